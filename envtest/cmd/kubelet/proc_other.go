//go:build !linux

package main

import (
	"syscall"
	"time"
)

func sysProcAttr(tty bool) *syscall.SysProcAttr {
	if tty {
		return &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	}
	return &syscall.SysProcAttr{Setpgid: true}
}

// Without Linux's subreaper and /proc, only the process groups are killed.
func enableSubreaper()                 {}
func killDescendants(map[int]struct{}) {}
func killOrphans(time.Duration)        {}
