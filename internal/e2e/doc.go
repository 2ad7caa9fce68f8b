// Package e2e holds end-to-end tests that build the real provider binary,
// run the real terraform binary against it (through a dev_overrides CLI
// configuration, so no registry and no terraform init are involved) and point
// it at an in-process simulator on 127.0.0.1. They cover what only real
// processes show: an interrupted apply, and what ends up in logs, state and
// plan files. They skip themselves when terraform is not on PATH.
package e2e
