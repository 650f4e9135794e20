// Command govledger is the command line of the govledger audit ledger.
//
// Usage:
//
//	govledger <command> [flags] [args]
//
// Commands:
//
//	quickstart  create a ledger and simulate one month of a district
//	append      append events from JSON Lines
//	verify      check every event's hash and every stream's chain
//	export      write an export bundle, verifiable without the ledger (verify --bundle)
//	show        print one case's or stream's timeline
//	stat        counts and head of a ledger
//	erase       crypto-shred a citizen's personal data
//	report      replay into a projection and print its report
//	projections registered projections with version, position and digest
//	trace       the case trace: who held a case, for how long, and why
//	replay      replay up to a position, checkpoint or time and write a manifest
//	audit       re-run a published manifest's replay and compare its figures
//	diff        compare two manifests figure by figure, explained by events
//
// Exit codes:
//
//	0  success
//	1  operational error (cannot open, I/O, ...)
//	2  usage error (unknown command, bad flag or argument)
//	3  input refused (append: at least one line was refused; erase: the
//	   subject is already erased or the subject id is invalid; import: the
//	   file or the mapping cannot be read, and nothing was written)
//	4  verification failed: the ledger has been tampered with (verify,
//	   replay, audit, checkpoint, prove: with each finding's position and
//	   evidence printed; every command that opens the ledger's Merkle log,
//	   append and erase included, refuses with 4 a log that no longer
//	   matches the events)
//	5  not found (show: no such stream; prove: no such event or checkpoint)
//	6  checkpoint refused: bad signature, another ledger's, malformed
//	7  figures differ (audit: the replay does not reproduce a published
//	   manifest; diff: two manifests differ)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes; see the package documentation.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitRefused  = 3
	exitTampered = 4
	exitNotFound = 5
	// exitCheckpoint: a checkpoint was refused (bad signature, another
	// ledger's, malformed).
	exitCheckpoint = 6
	// exitMismatch: an audit or diff found figures that differ.
	exitMismatch = 7
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch: its output streams and standard input.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// exitError carries an exit code through a command's error.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitCodeError{code: code, err: err} }

func usageErr(format string, args ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, args...))
}

// commands lists every subcommand: the wiring of the program in one place.
func commands() map[string]command {
	return map[string]command{
		"quickstart":  {"create a ledger and simulate one month of a district", runQuickstart},
		"append":      {"append events from JSON Lines (a file or -)", runAppend},
		"verify":      {"check every hash, chain and the Merkle root, against signed checkpoints (--bundle: a copy)", runVerify},
		"export":      {"write an export bundle (verifiable without the ledger), or XES, OCEL 2.0, Open311 or CSV", runExport},
		"show":        {"print one case's or stream's timeline", runShow},
		"stat":        {"counts and head of a ledger", runStat},
		"erase":       {"crypto-shred a citizen's personal data (subject.erased, key deleted)", runErase},
		"report":      {"replay into a projection and print its report (table, json, csv, html)", runReport},
		"projections": {"registered projections with version, position and state digest", runProjections},
		"trace":       {"the case trace: who held a case, for how long, each transfer and return", runTrace},
		"checkpoint":  {"sign and print the ledger's checkpoint (size and Merkle root), and keep it", runCheckpoint},
		"key":         {"print the ledger's checkpoint verifier key, to publish", runKey},
		"migrate":     {"copy a ledger to another store (embedded to a KurrentDB cluster), verified, resumable", runMigrate},
		"prove":       {"prove an event's inclusion, or two checkpoints' consistency; check a proof", runProve},
		"replay":      {"replay up to a position, checkpoint or time (as-of) and write a manifest", runReplay},
		"audit":       {"re-run a published manifest's replay and compare it figure by figure", runAudit},
		"diff":        {"compare two manifests figure by figure, with the events that explain changes", runDiff},
		"import":      {"import an XES log, a 311-style CSV or Open311 requests (each trace whole; skips counted)", runImport},
	}
}

func main() {
	setMemoryLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stdout, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "govledger: unknown command %q\n\n", args[0])
		printUsage(e.stderr, cmds)
		return exitUsage
	}
	err := c.run(ctx, e, args[1:])
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "govledger %s: %v\n", args[0], err)
	var ce *exitCodeError
	if errors.As(err, &ce) {
		return ce.code
	}
	return exitError
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "govledger: an event-sourced, tamper-evident audit ledger for case handling")
	fmt.Fprintln(w, "\nUsage: govledger <command> [flags] [args]   (govledger <command> --help for flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprint(w, `
Exit codes:
  0  success
  1  operational error
  2  usage error
  3  input refused (append, erase)
  4  verification failed: the ledger has been tampered with
  5  not found (show, prove)
  6  checkpoint refused: bad signature, another ledger's, malformed
  7  figures differ (audit, diff)
`)
}
