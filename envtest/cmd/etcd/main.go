// Command etcd runs a single-member etcd server (go.etcd.io/etcd/server/v3/embed)
// for kubeset's test control plane. It accepts the small subset of the upstream
// etcd flags that a throwaway test cluster needs and shuts down cleanly on
// SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	"go.etcd.io/etcd/server/v3/embed"
)

func parseURLs(flagName, value string) ([]url.URL, error) {
	var urls []url.URL
	for _, raw := range strings.Split(value, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("--%s: invalid URL %q: %w", flagName, raw, err)
		}
		urls = append(urls, *u)
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("--%s: at least one URL is required", flagName)
	}
	return urls, nil
}

func run() error {
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	name := fs.String("name", "envtest", "member name")
	dataDir := fs.String("data-dir", "", "path to the data directory (required)")
	listenClient := fs.String("listen-client-urls", "http://127.0.0.1:2379", "comma-separated URLs to serve clients on")
	advertiseClient := fs.String("advertise-client-urls", "", "comma-separated client URLs to advertise (default: --listen-client-urls)")
	listenPeer := fs.String("listen-peer-urls", "http://127.0.0.1:2380", "comma-separated URLs to serve peers on")
	quota := fs.Int64("quota-backend-bytes", 0, "backend size quota in bytes (0: etcd's default)")
	noFsync := fs.Bool("unsafe-no-fsync", false, "disable fsync (faster, loses data on crash; tests only)")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	startTimeout := fs.Duration("start-timeout", 60*time.Second, "how long to wait for the server to become ready")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if *showVersion {
		fmt.Printf("etcd Version: %s\n", version.Version)
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *dataDir == "" {
		return fmt.Errorf("--data-dir is required")
	}
	if *advertiseClient == "" {
		*advertiseClient = *listenClient
	}

	cfg := embed.NewConfig()
	cfg.Name = *name
	cfg.Dir = *dataDir
	var err error
	if cfg.ListenClientUrls, err = parseURLs("listen-client-urls", *listenClient); err != nil {
		return err
	}
	if cfg.AdvertiseClientUrls, err = parseURLs("advertise-client-urls", *advertiseClient); err != nil {
		return err
	}
	if cfg.ListenPeerUrls, err = parseURLs("listen-peer-urls", *listenPeer); err != nil {
		return err
	}
	cfg.AdvertisePeerUrls = cfg.ListenPeerUrls
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.QuotaBackendBytes = *quota
	cfg.UnsafeNoFsync = *noFsync
	cfg.LogLevel = *logLevel
	// NewConfig leaves this at zero, which would log every request as slow.
	cfg.WarningUnaryRequestDuration = embed.DefaultWarningUnaryRequestDuration
	cfg.LogOutputs = []string{"stderr"}

	// Register for signals before starting so an early SIGTERM is not lost.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	defer e.Close()

	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd %s ready, serving clients on %s\n", version.Version, *listenClient)
	case err := <-e.Err():
		return fmt.Errorf("etcd failed while starting: %w", err)
	case sig := <-signals:
		fmt.Fprintf(os.Stderr, "received %s while starting, shutting down\n", sig)
		return nil
	case <-time.After(*startTimeout):
		return fmt.Errorf("etcd did not become ready within %s", *startTimeout)
	}

	select {
	case sig := <-signals:
		fmt.Fprintf(os.Stderr, "received %s, shutting down\n", sig)
		return nil
	case err := <-e.Err():
		return fmt.Errorf("etcd stopped: %w", err)
	case <-e.Server.StopNotify():
		return fmt.Errorf("etcd server stopped unexpectedly")
	}
}

func main() {
	if err := run(); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "etcd: %v\n", err)
		os.Exit(1)
	}
}
