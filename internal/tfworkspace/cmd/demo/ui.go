package main

import (
	"fmt"
	"os"
	"strings"
)

// ui prints numbered sections, in colour on a terminal.
type ui struct {
	step                    int
	bold, green, red, reset string
	colorFlag               []string // -no-color for terraform when not on a terminal
}

func newUI() *ui {
	if info, err := os.Stdout.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
		return &ui{bold: "\033[1m", green: "\033[32m", red: "\033[31m", reset: "\033[0m"}
	}
	return &ui{colorFlag: []string{"-no-color"}}
}

func (u *ui) section(title string) {
	u.step++
	fmt.Printf("\n%s== %d. %s%s\n", u.bold, u.step, title, u.reset)
}

func (u *ui) info(line string) { fmt.Printf("   %s\n", line) }

// indented prints every line of text after prefix.
func (u *ui) indented(prefix, text string) {
	for _, line := range strings.SplitAfter(text, "\n") {
		if line != "" {
			fmt.Print(prefix + line)
		}
	}
}
