package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	"k8s.io/klog/v2"
)

// routes is the kubelet API subset kube-apiserver proxies to, with the paths
// of the kubelet's own server (pkg/kubelet/server/server.go):
//
//	/exec/{namespace}/{pod}[/{uid}]/{container}?command=...&input=1&output=1&error=1&tty=1
//	/attach/{namespace}/{pod}[/{uid}]/{container}?input=1&output=1&error=1&tty=1
//	/portForward/{namespace}/{pod}[/{uid}][?port=...]
//	/containerLogs/{namespace}/{pod}/{container}?follow&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes&previous&stream
//	/healthz, /healthz/ping, /pods, /runningpods/, /configz
func (s *standin) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.healthz)
	mux.HandleFunc("/healthz/", s.healthz)
	mux.HandleFunc("/pods", s.getPods(false))
	mux.HandleFunc("/pods/", s.getPods(false))
	mux.HandleFunc("/runningpods/", s.getPods(true))
	mux.HandleFunc("/configz", s.configz)
	mux.HandleFunc("/exec/", s.serveExec)
	mux.HandleFunc("/attach/", s.serveAttach)
	mux.HandleFunc("/portForward/", s.servePortForward)
	mux.HandleFunc("/containerLogs/", s.serveContainerLogs)
	return s.authorize(mux)
}

// authorize admits clients whose certificate (already verified against
// --client-ca-file by TLS) names an authorized user or group.
func (s *standin) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		subject := r.TLS.PeerCertificates[0].Subject
		allowed := slices.Contains(s.opts.authorizedUsers, subject.CommonName)
		for _, group := range subject.Organization {
			allowed = allowed || slices.Contains(s.opts.authorizedGroups, group)
		}
		if !allowed {
			msg := fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=nodes, subresource=proxy)", subject.CommonName, r.Method)
			http.Error(w, msg, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *standin) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte("ok"))
}

func writeJSON(w http.ResponseWriter, value any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(value); err != nil {
		klog.ErrorS(err, "writing a response")
	}
}

// getPods serves /pods (the pods bound to the node, as the stand-in last saw
// them) and /runningpods/ (those with a running main process).
func (s *standin) getPods(runningOnly bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list := v1.PodList{Items: []v1.Pod{}}
		list.APIVersion, list.Kind = "v1", "PodList"
		for _, p := range s.podList() {
			if runningOnly && !p.anyRunning() {
				continue
			}
			list.Items = append(list.Items, *p.snapshot())
		}
		writeJSON(w, list)
	}
}

func (s *standin) configz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"kubeletconfig": map[string]any{
			"kind":                           "KubeletConfiguration",
			"apiVersion":                     "kubelet.config.k8s.io/v1beta1",
			"address":                        s.opts.address,
			"port":                           s.opts.port,
			"streamingConnectionIdleTimeout": s.opts.streamIdleTimeout.String(),
			"rootDir":                        s.opts.rootDir,
			"kubeset":                        map[string]any{"standIn": true, "os": runtime.GOOS, "arch": runtime.GOARCH},
		},
	})
}

// podPath splits "/{prefix}/{namespace}/{pod}[/{uid}]/{container}".
// withContainer=false for portForward ("/portForward/{namespace}/{pod}[/{uid}]").
func podPath(path, prefix string, withContainer bool) (ns, pod, uid, container string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(path, prefix), "/")
	for _, p := range parts {
		if p == "" {
			return "", "", "", "", false
		}
	}
	switch {
	case withContainer && len(parts) == 3:
		return parts[0], parts[1], "", parts[2], true
	case withContainer && len(parts) == 4:
		return parts[0], parts[1], parts[2], parts[3], true
	case !withContainer && len(parts) == 2:
		return parts[0], parts[1], "", "", true
	case !withContainer && len(parts) == 3:
		return parts[0], parts[1], parts[2], "", true
	}
	return "", "", "", "", false
}

func (s *standin) streamRequest(w http.ResponseWriter, r *http.Request, prefix string) (*podState, *containerState, *remotecommand.Options, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, nil, nil, false
	}
	ns, name, uid, container, ok := podPath(r.URL.Path, prefix, true)
	if !ok {
		http.NotFound(w, r)
		return nil, nil, nil, false
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, nil, nil, false
	}
	p, c, status, err := s.lookup(r.Context(), ns, name, uid, container)
	if err != nil {
		http.Error(w, err.Error(), status)
		return nil, nil, nil, false
	}
	return p, c, opts, true
}

func (s *standin) serveExec(w http.ResponseWriter, r *http.Request) {
	p, c, opts, ok := s.streamRequest(w, r, "/exec/")
	if !ok {
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "missing command", http.StatusBadRequest)
		return
	}
	remotecommand.ServeExec(w, r, &executor{s: s, pod: p, container: c}, p.key(), string(p.uid), c.name, cmd,
		opts, s.opts.streamIdleTimeout, s.opts.streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (s *standin) serveAttach(w http.ResponseWriter, r *http.Request) {
	p, c, opts, ok := s.streamRequest(w, r, "/attach/")
	if !ok {
		return
	}
	remotecommand.ServeAttach(w, r, &executor{s: s, pod: p, container: c}, p.key(), string(p.uid), c.name,
		opts, s.opts.streamIdleTimeout, s.opts.streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (s *standin) servePortForward(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ns, name, uid, _, ok := podPath(r.URL.Path, "/portForward/", false)
	if !ok {
		http.NotFound(w, r)
		return
	}
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p, _, status, err := s.lookup(r.Context(), ns, name, uid, "")
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	portforward.ServePortForward(w, r, &forwarder{s: s}, p.key(), string(p.uid), opts,
		s.opts.streamIdleTimeout, s.opts.streamCreationTimeout, portforward.SupportedProtocols)
}
