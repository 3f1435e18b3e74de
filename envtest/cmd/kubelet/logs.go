package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// Container logs are files in the CRI log format that container runtimes
// write and the kubelet reads (/var/log/pods/...):
//
//	2026-01-02T15:04:05.123456789Z stdout F a full line
//	2026-01-02T15:04:05.223456789Z stderr P the first part of a long line
//
// A line is split into partial (P) entries at maxLogLine bytes; the last part
// is full (F). Output without a final newline is held until the newline comes,
// the line grows past maxLogLine, or the process exits.
const (
	maxLogLine   = 16 * 1024
	followPoll   = 100 * time.Millisecond
	logTimestamp = time.RFC3339Nano
)

type criLog struct {
	mu      sync.Mutex
	f       *os.File
	partial map[string][]byte // per stream, output after its last newline
}

func openCRILog(path string) (*criLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &criLog{f: f, partial: map[string][]byte{}}, nil
}

func (l *criLog) entry(stream, tag string, content []byte) {
	line := make([]byte, 0, len(content)+64)
	line = time.Now().UTC().AppendFormat(line, logTimestamp)
	line = append(line, ' ')
	line = append(line, stream...)
	line = append(line, ' ')
	line = append(line, tag...)
	line = append(line, ' ')
	line = append(line, content...)
	line = append(line, '\n')
	_, _ = l.f.Write(line)
}

func (l *criLog) write(stream string, p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	buf := append(l.partial[stream], p...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		l.entry(stream, "F", buf[:i])
		buf = buf[i+1:]
	}
	for len(buf) > maxLogLine {
		l.entry(stream, "P", buf[:maxLogLine])
		buf = buf[maxLogLine:]
	}
	l.partial[stream] = append([]byte(nil), buf...)
}

// flush writes held partial output as full lines (the process exited).
func (l *criLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for stream, buf := range l.partial {
		if len(buf) > 0 {
			l.entry(stream, "F", buf)
		}
		delete(l.partial, stream)
	}
}

func (l *criLog) close() {
	l.flush()
	l.mu.Lock()
	_ = l.f.Close()
	l.mu.Unlock()
}

// logEntry is one parsed line of a CRI log file.
type logEntry struct {
	ts      time.Time
	stream  string
	full    bool
	content []byte
}

func parseLogLine(line []byte) (logEntry, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	fields := bytes.SplitN(line, []byte(" "), 4)
	if len(fields) < 3 {
		return logEntry{}, false
	}
	ts, err := time.Parse(logTimestamp, string(fields[0]))
	if err != nil {
		return logEntry{}, false
	}
	e := logEntry{ts: ts, stream: string(fields[1]), full: string(fields[2]) != "P"}
	if len(fields) == 4 {
		e.content = fields[3]
	}
	return e, true
}

// logOptions are containerLogs' query parameters (v1.PodLogOptions as the
// kubelet decodes them).
type logOptions struct {
	follow     bool
	timestamps bool
	previous   bool
	tailLines  int64 // -1: all
	limitBytes int64 // -1: no limit
	since      time.Time
	stream     string // "", "All", "Stdout", "Stderr"
}

func parseLogOptions(r *http.Request) (*logOptions, error) {
	q := r.URL.Query()
	o := &logOptions{tailLines: -1, limitBytes: -1}
	var err error
	boolean := func(name string) bool {
		if err != nil || q.Get(name) == "" {
			return false
		}
		var v bool
		v, err = strconv.ParseBool(q.Get(name))
		return v
	}
	o.follow, o.timestamps, o.previous = boolean("follow"), boolean("timestamps"), boolean("previous")
	if err != nil {
		return nil, err
	}
	tail := q.Get("tailLines")
	if legacy := q.Get("tail"); legacy != "" && legacy != "all" {
		tail = legacy
	}
	if tail != "" {
		if o.tailLines, err = strconv.ParseInt(tail, 10, 64); err != nil || o.tailLines < 0 {
			return nil, fmt.Errorf("tailLines must be a non-negative integer")
		}
	}
	if v := q.Get("limitBytes"); v != "" {
		if o.limitBytes, err = strconv.ParseInt(v, 10, 64); err != nil || o.limitBytes < 1 {
			return nil, fmt.Errorf("limitBytes must be a positive integer")
		}
	}
	sinceSeconds, sinceTime := q.Get("sinceSeconds"), q.Get("sinceTime")
	if sinceSeconds != "" && sinceTime != "" {
		return nil, fmt.Errorf("at most one of sinceTime or sinceSeconds may be specified")
	}
	if sinceSeconds != "" {
		n, err := strconv.ParseInt(sinceSeconds, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("sinceSeconds must be a positive integer")
		}
		o.since = time.Now().Add(-time.Duration(n) * time.Second)
	}
	if sinceTime != "" {
		if o.since, err = time.Parse(time.RFC3339, sinceTime); err != nil {
			return nil, fmt.Errorf("sinceTime must be an RFC 3339 time")
		}
	}
	o.stream = q.Get("stream")
	switch o.stream {
	case "", "All", "Stdout", "Stderr":
	default:
		return nil, fmt.Errorf("invalid stream type %q", o.stream)
	}
	return o, nil
}

func (o *logOptions) wants(e logEntry) bool {
	switch {
	case o.stream == "Stdout" && e.stream != "stdout", o.stream == "Stderr" && e.stream != "stderr":
		return false
	case !o.since.IsZero() && e.ts.Before(o.since):
		return false
	}
	return true
}

// logWriter writes entries to the response, honouring timestamps and
// limitBytes, flushing after each one.
type logWriter struct {
	w       io.Writer
	flusher http.Flusher
	opts    *logOptions
	written int64
}

var errLimitReached = errors.New("limitBytes reached")

func (lw *logWriter) write(e logEntry) error {
	var line []byte
	if lw.opts.timestamps {
		line = e.ts.UTC().AppendFormat(line, logTimestamp)
		line = append(line, ' ')
	}
	line = append(line, e.content...)
	if e.full {
		line = append(line, '\n')
	}
	if lw.opts.limitBytes >= 0 && lw.written+int64(len(line)) > lw.opts.limitBytes {
		line = line[:lw.opts.limitBytes-lw.written]
	}
	n, err := lw.w.Write(line)
	lw.written += int64(n)
	if lw.flusher != nil {
		lw.flusher.Flush()
	}
	if err != nil {
		return err
	}
	if lw.opts.limitBytes >= 0 && lw.written >= lw.opts.limitBytes {
		return errLimitReached
	}
	return nil
}

// serveContainerLogs serves GET /containerLogs/{namespace}/{pod}/{container}.
// With follow, it keeps sending new lines until the main process has exited
// and its log is read, the client goes away, or the stand-in stops.
func (s *standin) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ns, name, uid, container, ok := podPath(r.URL.Path, "/containerLogs/", true)
	if !ok || uid != "" {
		http.NotFound(w, r)
		return
	}
	opts, err := parseLogOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p, c, status, err := s.lookup(r.Context(), ns, name, "", container)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	if opts.previous {
		// Containers are never restarted here, so there is no previous one.
		http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", container, p.name), http.StatusBadRequest)
		return
	}
	f, err := os.Open(c.logPath)
	if err != nil {
		http.Error(w, fmt.Sprintf("container %q in pod %q has no log: %v", container, p.name, err), http.StatusBadRequest)
		return
	}
	defer func() { _ = f.Close() }()

	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	lw := &logWriter{w: w, flusher: flusher, opts: opts}
	if flusher != nil {
		flusher.Flush()
	}
	reader := bufio.NewReader(f)
	var entries []logEntry
	var pending []byte
	// readAvailable returns the complete lines now in the file.
	readAvailable := func() []logEntry {
		var out []logEntry
		for {
			chunk, err := reader.ReadBytes('\n')
			pending = append(pending, chunk...)
			if err != nil {
				return out
			}
			if e, ok := parseLogLine(pending); ok && opts.wants(e) {
				out = append(out, e)
			}
			pending = nil // entries keep slices of it
		}
	}
	entries = readAvailable()
	if opts.tailLines >= 0 {
		entries = tailEntries(entries, opts.tailLines)
	}
	for _, e := range entries {
		if lw.write(e) != nil {
			return
		}
	}
	if !opts.follow {
		return
	}
	s.followLog(r.Context(), c, readAvailable, lw)
}

// tailEntries keeps the entries of the last n lines (a line may be several
// partial entries).
func tailEntries(entries []logEntry, n int64) []logEntry {
	if n == 0 {
		return nil
	}
	lines := int64(0)
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].full {
			if lines == n {
				return entries[i+1:]
			}
			lines++
		}
	}
	return entries
}

func (s *standin) followLog(ctx context.Context, c *containerState, readAvailable func() []logEntry, lw *logWriter) {
	tick := time.NewTicker(followPoll)
	defer tick.Stop()
	for {
		exited := c.exited()
		for _, e := range readAvailable() {
			if lw.write(e) != nil {
				return
			}
		}
		if exited {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
