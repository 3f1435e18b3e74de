package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// outputDrain bounds how long a finished process's output is still copied:
// a background child that inherited stdout/stderr could keep the pipe open
// forever. The copy normally ends as soon as the process does; the bound is
// generous so that a loaded machine does not lose the last lines of a log
// (a following log stream ends once the process is marked done).
const outputDrain = 5 * time.Second

// procGroup is a process the stand-in started, leading its own process group
// (exec and main processes alike). Signalling the group is safe while the
// leader is not reaped yet: until then its pid, hence the group id, cannot be
// reused.
type procGroup struct {
	mu     sync.Mutex
	pgid   int
	reaped bool
	done   chan struct{} // closed once reaped
}

func (g *procGroup) signal(sig syscall.Signal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.reaped {
		_ = syscall.Kill(-g.pgid, sig)
	}
}

func (g *procGroup) markReaped() {
	g.mu.Lock()
	g.reaped = true
	g.mu.Unlock()
	close(g.done)
}

// procSet is the process groups of a pod, or of the whole stand-in.
type procSet struct {
	mu     sync.Mutex
	groups map[*procGroup]struct{}
	pgids  map[int]struct{} // every group id ever started here, for killOrphans
}

func newProcSet() *procSet {
	return &procSet{groups: map[*procGroup]struct{}{}, pgids: map[int]struct{}{}}
}

func (ps *procSet) add(g *procGroup) {
	ps.mu.Lock()
	ps.groups[g] = struct{}{}
	ps.pgids[g.pgid] = struct{}{}
	ps.mu.Unlock()
}

func (ps *procSet) snapshot() ([]*procGroup, map[int]struct{}) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	groups := make([]*procGroup, 0, len(ps.groups))
	for g := range ps.groups {
		groups = append(groups, g)
	}
	pgids := make(map[int]struct{}, len(ps.pgids))
	for id := range ps.pgids {
		pgids[id] = struct{}{}
	}
	return groups, pgids
}

// killAll sends SIGTERM to every group, waits up to grace for the leaders to
// exit, then SIGKILLs the groups and any other descendant of the stand-in in
// one of them (children that outlived their leader). Returns within about
// grace plus one second.
func (ps *procSet) killAll(grace time.Duration) {
	groups, pgids := ps.snapshot()
	for _, g := range groups {
		g.signal(syscall.SIGTERM)
	}
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for _, g := range groups {
		select {
		case <-g.done:
		case <-deadline.C:
		}
	}
	for _, g := range groups {
		g.signal(syscall.SIGKILL)
	}
	killDescendants(pgids)
	wait := time.NewTimer(time.Second)
	defer wait.Stop()
	for _, g := range groups {
		select {
		case <-g.done:
		case <-wait.C:
			return
		}
	}
}

// processEnv is the environment of a container's processes: a few variables of
// the stand-in's own environment, then the container's literal `env` values.
func processEnv(p *podState, c *containerState, tty bool) []string {
	env := []string{"HOSTNAME=" + p.name}
	for _, name := range []string{"PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR"} {
		if value, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+value)
		}
	}
	if _, ok := os.LookupEnv("PATH"); !ok {
		env = append(env, "PATH=/usr/local/bin:/usr/bin:/bin")
	}
	if tty {
		env = append(env, "TERM=xterm")
	}
	for _, e := range c.env {
		env = append(env, e.Name+"="+e.Value)
	}
	return env
}

func envValue(env []string, name string) string {
	value := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			value = v // the last one wins, as in a container
		}
	}
	return value
}

// lookPath finds file in the PATH of the process's environment (not the
// stand-in's).
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, dir := range filepath.SplitList(envValue(env, "PATH")) {
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, file)
		if st, err := os.Stat(path); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return path, nil
		}
	}
	return "", fmt.Errorf("%q: executable file not found in $PATH", file)
}

// newCommand prepares argv as a process of container c: its own process group
// (a new session with a controlling terminal when it gets a pty), the
// container's environment and working directory, killed by the kernel if the
// stand-in dies (Linux).
func newCommand(p *podState, c *containerState, argv []string, tty bool) (*exec.Cmd, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	env := processEnv(p, c, tty)
	path, err := lookPath(argv[0], env)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Dir: c.dir}
	cmd.SysProcAttr = sysProcAttr(tty)
	return cmd, nil
}

// started registers a started command's process group with the pod and the
// stand-in, and reaps it in the background.
func (s *standin) started(p *podState, cmd *exec.Cmd) (*procGroup, <-chan error) {
	g := &procGroup{pgid: cmd.Process.Pid, done: make(chan struct{})}
	s.procs.add(g)
	p.procs.add(g)
	waited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		g.markReaped()
		waited <- err
	}()
	return g, waited
}

// exitError turns a Wait error into the utilexec.ExitError that ServeExec
// reports on the status channel (NonZeroExitCode with an ExitCode cause). A
// process killed by a signal reports 128+signal, as shells and container
// runtimes do.
func exitError(argv []string, err error) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	code := ee.ExitCode()
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	if code == 0 {
		return nil
	}
	return utilexec.CodeExitError{
		Err:  fmt.Errorf("error executing command %v, exit code %d", argv, code),
		Code: code,
	}
}

// executor runs exec and attach requests for one container.
type executor struct {
	s         *standin
	pod       *podState
	container *containerState
}

var (
	_ remotecommand.Executor = (*executor)(nil)
	_ remotecommand.Attacher = (*executor)(nil)
)

// ExecInContainer runs cmd as a new local process of the container. It returns
// when the process exits (its output copied, at most outputDrain later) or,
// if the client goes away or the stand-in stops first, after killing its
// process group.
func (e *executor) ExecInContainer(ctx context.Context, _ string, _ string, _ string, argv []string,
	in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	cmd, err := newCommand(e.pod, e.container, argv, tty)
	if err != nil {
		return err
	}
	var copies sync.WaitGroup
	var closers []io.Closer
	copyOut := func(w io.Writer, r io.Reader) {
		copies.Add(1)
		go func() {
			defer copies.Done()
			_, _ = io.Copy(w, r)
		}()
	}

	if tty {
		ptmx, err := pty.StartWithAttrs(cmd, nil, cmd.SysProcAttr)
		if err != nil {
			return err
		}
		closers = append(closers, ptmx)
		go applyResizes(ptmx, resize)
		if in != nil {
			go func() { _, _ = io.Copy(ptmx, in) }()
		}
		if out != nil {
			copyOut(out, ptmx)
		}
	} else {
		var stdin io.WriteCloser
		if in != nil {
			if stdin, err = cmd.StdinPipe(); err != nil {
				return err
			}
		}
		for _, stream := range []struct {
			dst io.Writer
			set *io.Writer
		}{{out, &cmd.Stdout}, {errw, &cmd.Stderr}} {
			if stream.dst == nil {
				continue
			}
			r, w, err := os.Pipe()
			if err != nil {
				return err
			}
			*stream.set = w
			closers = append(closers, r)
			defer func() { _ = w.Close() }() // the parent's copy, once started
			copyOut(stream.dst, r)
		}
		if err := cmd.Start(); err != nil {
			for _, c := range closers {
				_ = c.Close()
			}
			return err
		}
		for _, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
			if f, ok := w.(*os.File); ok {
				_ = f.Close() // the child has its own copy
			}
		}
		if stdin != nil {
			go func() {
				_, _ = io.Copy(stdin, in)
				_ = stdin.Close()
			}()
		}
	}
	g, waited := e.s.started(e.pod, cmd)

	var waitErr error
	select {
	case waitErr = <-waited:
	case <-ctx.Done():
		g.signal(syscall.SIGKILL)
		<-waited
		waitErr = ctx.Err()
	}
	drained := make(chan struct{})
	go func() { copies.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(outputDrain):
	}
	for _, c := range closers {
		_ = c.Close()
	}
	if errors.Is(waitErr, context.Canceled) {
		return fmt.Errorf("exec of %v ended: the connection closed or the kubelet stand-in stopped", argv)
	}
	return exitError(argv, waitErr)
}

// AttachContainer connects the client to the container's main process until
// the process exits or the client goes away.
func (e *executor) AttachContainer(ctx context.Context, _ string, _ string, _ string,
	in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	m := e.container.mainProcess()
	if m == nil {
		return fmt.Errorf("container %q is not running", e.container.name)
	}
	select {
	case <-m.done:
		return fmt.Errorf("container %q is not running (exited with code %d)", e.container.name, m.exitCode)
	default:
	}
	if tty && m.pty == nil {
		return fmt.Errorf("container %q has no TTY (spec.tty is false)", e.container.name)
	}
	a := &attachment{out: out, err: errw}
	if tty {
		a.err = nil // a terminal has one output stream
	}
	m.attach(a)
	defer m.detach(a)
	if m.pty != nil {
		go applyResizes(m.pty, resize)
	}
	if in != nil {
		go func() {
			_, _ = io.Copy(m.stdin, in)
			if e.container.stdinOnce {
				_ = m.stdin.Close()
			}
		}()
	}
	select {
	case <-m.done:
	case <-ctx.Done():
	}
	return nil
}

func applyResizes(f *os.File, resize <-chan remotecommand.TerminalSize) {
	if resize == nil {
		return
	}
	for size := range resize {
		if size.Width == 0 || size.Height == 0 {
			continue
		}
		_ = pty.Setsize(f, &pty.Winsize{Rows: size.Height, Cols: size.Width})
	}
}

// -------------------------------------------------------------- main process

// attachment is one attached client's output streams.
type attachment struct {
	out io.Writer
	err io.Writer
}

// mainProcess is a container's long-running process: stdin is a pipe the
// stand-in keeps open (or the pty), stdout and stderr go to the log file and
// to every attached client.
type mainProcess struct {
	group     *procGroup
	stdin     io.WriteCloser
	pty       *os.File
	startedAt time.Time

	mu       sync.Mutex
	attached map[*attachment]struct{}

	done       chan struct{} // closed when the process exited and its output was logged
	exitCode   int
	finishedAt time.Time
}

func (m *mainProcess) attach(a *attachment) {
	m.mu.Lock()
	m.attached[a] = struct{}{}
	m.mu.Unlock()
}

func (m *mainProcess) detach(a *attachment) {
	m.mu.Lock()
	delete(m.attached, a)
	m.mu.Unlock()
}

// fanOut copies one output stream of the process to the log and to the
// attached clients (a client whose write fails is dropped).
func (m *mainProcess) fanOut(r io.Reader, log *criLog, stream string) {
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			log.write(stream, chunk)
			m.mu.Lock()
			for a := range m.attached {
				w := a.out
				if stream == "stderr" && a.err != nil {
					w = a.err
				} else if stream == "stderr" {
					w = nil
				}
				if w == nil {
					continue
				}
				if _, werr := w.Write(chunk); werr != nil {
					delete(m.attached, a)
				}
			}
			m.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// startMain starts the container's main process: its command and args, or
// `cat` for a container without a command.
func (s *standin) startMain(p *podState, c *containerState) (*mainProcess, error) {
	argv := append(append([]string{}, c.command...), c.args...)
	if len(c.command) == 0 {
		argv = []string{"cat"}
	}
	cmd, err := newCommand(p, c, argv, c.tty)
	if err != nil {
		return nil, err
	}
	m := &mainProcess{attached: map[*attachment]struct{}{}, done: make(chan struct{})}
	var outputs sync.WaitGroup
	if c.tty {
		ptmx, err := pty.StartWithAttrs(cmd, nil, cmd.SysProcAttr)
		if err != nil {
			return nil, err
		}
		m.pty, m.stdin = ptmx, ptmx
		outputs.Add(1)
		go func() { defer outputs.Done(); m.fanOut(ptmx, c.log, "stdout") }()
	} else {
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		// Pipes of our own, not cmd.StdoutPipe: cmd.Wait closes the pipes it made as soon
		// as the process exits, dropping output not yet read (a log's last lines). Ours
		// reach EOF when the process and every child holding them have gone.
		stdout, stdoutW, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		stderr, stderrW, err := os.Pipe()
		if err != nil {
			_ = stdout.Close()
			_ = stdoutW.Close()
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = stdoutW, stderrW
		err = cmd.Start()
		_ = stdoutW.Close() // the child has its copies
		_ = stderrW.Close()
		if err != nil {
			_ = stdout.Close()
			_ = stderr.Close()
			return nil, err
		}
		m.stdin = stdin
		outputs.Add(2)
		go func() { defer outputs.Done(); defer stdout.Close(); m.fanOut(stdout, c.log, "stdout") }()
		go func() { defer outputs.Done(); defer stderr.Close(); m.fanOut(stderr, c.log, "stderr") }()
	}
	m.startedAt = time.Now()
	g, waited := s.started(p, cmd)
	m.group = g
	go func() {
		err := <-waited
		drained := make(chan struct{})
		go func() { outputs.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(outputDrain):
		}
		if m.pty != nil {
			_ = m.pty.Close()
		}
		c.log.flush()
		m.exitCode = 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			m.exitCode = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				m.exitCode = 128 + int(ws.Signal())
			}
		} else if err != nil {
			m.exitCode = 128
		}
		m.finishedAt = time.Now()
		close(m.done)
		s.podChanged(p)
	}()
	return m, nil
}
