//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sysProcAttr: a new process group (a new session for a pty, which needs a
// controlling terminal), and SIGKILL if the stand-in dies.
func sysProcAttr(tty bool) *syscall.SysProcAttr {
	if tty {
		return &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, Pdeathsig: syscall.SIGKILL}
	}
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// enableSubreaper makes orphaned descendants (a daemon started by an exec)
// children of the stand-in instead of init, so that killOrphans finds them.
func enableSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

type procInfo struct{ pid, ppid, pgid int }

func listProcs() []procInfo {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
		text := string(data)
		i := strings.LastIndexByte(text, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(text[i+1:])
		if len(fields) < 3 || fields[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		pgid, _ := strconv.Atoi(fields[2])
		out = append(out, procInfo{pid: pid, ppid: ppid, pgid: pgid})
	}
	return out
}

// descendants of the stand-in (with the subreaper, orphans stay among them).
func descendants() []procInfo {
	procs := listProcs()
	children := map[int][]procInfo{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p)
	}
	var out []procInfo
	queue := []int{os.Getpid()}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
	}
	return out
}

// killDescendants SIGKILLs the stand-in's descendants in the given process
// groups (children that outlived the leader of a group).
func killDescendants(pgids map[int]struct{}) {
	for _, p := range descendants() {
		if _, ok := pgids[p.pgid]; ok {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
}

// killOrphans ends every remaining descendant: SIGTERM, then SIGKILL after
// grace (at most), reaping the ones reparented to the stand-in.
func killOrphans(grace time.Duration) {
	signalAll := func(sig syscall.Signal) int {
		n := 0
		for _, p := range descendants() {
			_ = syscall.Kill(p.pid, sig)
			n++
		}
		return n
	}
	reap := func() {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				return
			}
		}
	}
	if signalAll(syscall.SIGTERM) == 0 {
		return
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		reap()
		if len(descendants()) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	signalAll(syscall.SIGKILL)
	time.Sleep(50 * time.Millisecond)
	reap()
}
