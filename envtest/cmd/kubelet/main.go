// Command kubelet is kubeset's kubelet stand-in for the test control plane.
//
// It is not a kubelet: it runs no containers. It registers a Node, watches the
// pods bound to that node, and serves the kubelet endpoints that kube-apiserver
// proxies to (exec, attach, portForward, containerLogs, and a few node proxy
// paths), so that `pods/exec`, `pods/attach`, `pods/portforward`, `pods/log`
// and `nodes/proxy` work against a real API server in tests.
//
// A pod's container is a set of local processes on the host:
//
//   - exec runs the command as a subprocess (with a pty for tty requests);
//   - each container has a main process, started when the pod is seen: the
//     container's command and args, or `cat` when it has no command; attach
//     connects to its stdio, and its stdout/stderr go to the container's log
//     file (CRI log format) that containerLogs serves;
//   - port-forward connects to 127.0.0.1:<port> on the host.
//
// Exec, attach and port-forward use Kubernetes' own streaming code
// (k8s.io/cri-streaming's remotecommand.ServeExec/ServeAttach and
// portforward.ServePortForward, as the kubelet's streaming server does), so SPDY
// and WebSocket clients see exactly the kubelet's protocols.
//
// Flags are listed by -h. SIGTERM or SIGINT stops it: connections are closed
// and every process it started is terminated (SIGTERM, then SIGKILL after
// --kill-grace) before it exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/klog/v2"
)

// version is reported by --version and as the node's kubeletVersion; build
// stamps it with -X main.version=<k8s.io/kubernetes version>.
var version = "v0.0.0-kubeset"

type options struct {
	kubeconfig            string
	nodeName              string
	nodeIP                string
	address               string
	port                  int
	tlsCertFile           string
	tlsKeyFile            string
	clientCAFile          string
	authorizedUsers       []string
	authorizedGroups      []string
	rootDir               string
	egressUDS             string
	streamIdleTimeout     time.Duration
	streamCreationTimeout time.Duration
	killGrace             time.Duration
	maxTerminationGrace   time.Duration
	startTimeout          time.Duration
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func parseFlags(args []string) (*options, bool, error) {
	o := &options{}
	fs := flag.NewFlagSet("kubelet", flag.ContinueOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig to reach kube-apiserver (required)")
	fs.StringVar(&o.nodeName, "node-name", "kubeset-node", "name of the Node to register")
	fs.StringVar(&o.nodeIP, "node-ip", "127.0.0.1", "the node's InternalIP in its status (also used as the pods' IP)")
	fs.StringVar(&o.address, "address", "127.0.0.1", "address to serve the kubelet API on")
	fs.IntVar(&o.port, "port", 10250, "port to serve the kubelet API on (the node's daemonEndpoints.kubeletEndpoint.port)")
	fs.StringVar(&o.tlsCertFile, "tls-cert-file", "", "serving certificate (PEM, required)")
	fs.StringVar(&o.tlsKeyFile, "tls-private-key-file", "", "serving key (PEM, required)")
	fs.StringVar(&o.clientCAFile, "client-ca-file", "", "CA that signs the client certificates it accepts (PEM, required)")
	users := fs.String("authorized-users", "", "comma-separated client certificate CNs allowed to use the API")
	groups := fs.String("authorized-groups", "", "comma-separated client certificate O fields (groups) allowed to use the API")
	fs.StringVar(&o.rootDir, "root-dir", "", "directory for container logs and working directories (required)")
	fs.StringVar(&o.egressUDS, "egress-uds", "", "if set, serve an HTTP CONNECT proxy on this unix socket for kube-apiserver's "+
		"\"cluster\" egress; connections to --node-ip go to 127.0.0.1")
	fs.DurationVar(&o.streamIdleTimeout, "stream-idle-timeout", 10*time.Minute, "close exec/attach/port-forward connections idle this long")
	fs.DurationVar(&o.streamCreationTimeout, "stream-creation-timeout", 30*time.Second, "how long a SPDY client has to create its streams")
	fs.DurationVar(&o.killGrace, "kill-grace", 2*time.Second, "on shutdown, time between SIGTERM and SIGKILL of the processes")
	fs.DurationVar(&o.maxTerminationGrace, "max-termination-grace", 3*time.Second, "upper bound on a deleted pod's termination grace period")
	fs.DurationVar(&o.startTimeout, "start-timeout", 60*time.Second, "how long to keep trying to register the node at startup")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, false, err
	}
	if *showVersion {
		return o, true, nil
	}
	if fs.NArg() > 0 {
		return nil, false, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.authorizedUsers = splitList(*users)
	o.authorizedGroups = splitList(*groups)
	for name, value := range map[string]string{
		"kubeconfig": o.kubeconfig, "tls-cert-file": o.tlsCertFile, "tls-private-key-file": o.tlsKeyFile,
		"client-ca-file": o.clientCAFile, "root-dir": o.rootDir,
	} {
		if value == "" {
			return nil, false, fmt.Errorf("--%s is required", name)
		}
	}
	if len(o.authorizedUsers) == 0 && len(o.authorizedGroups) == 0 {
		return nil, false, fmt.Errorf("at least one of --authorized-users and --authorized-groups is required")
	}
	return o, false, nil
}

func main() {
	opts, showVersion, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubelet: %v\n", err)
		os.Exit(2)
	}
	if showVersion {
		fmt.Printf("Kubernetes %s (kubeset kubelet stand-in)\n", version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	s, err := newStandin(opts)
	if err == nil {
		err = s.run(ctx)
	}
	klog.Flush()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubelet: %v\n", err)
		os.Exit(1)
	}
}
