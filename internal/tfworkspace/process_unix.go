//go:build unix

package tfworkspace

import (
	"os/exec"
	"syscall"
	"time"
)

// ownProcessGroup puts cmd in a process group of its own, killed as a whole
// when cmd's context ends.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
}
