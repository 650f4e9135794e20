package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// errHelp is returned when --help was asked for; the usage was printed.
var errHelp = errors.New("help requested")

// newFlags returns a flag set for a subcommand whose usage names its
// arguments and describes it.
func newFlags(e *env, name, args, doc string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := e.stdout
		fmt.Fprintf(w, "Usage: govledger %s [flags] %s\n\n%s\n", name, args, strings.TrimSpace(doc))
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if b.Len() > 0 {
			fmt.Fprintf(w, "\nFlags:\n%s", b.String())
		}
	}
	return fs
}

// parse parses flags, turning --help into errHelp and other problems into usage errors.
// Flags may come before or after the arguments ("erase S-1 --reason x");
// everything after "--" is an argument.
func parse(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return errHelp // fs.Parse printed the usage
		}
		if err != nil {
			return usageErr("%v (see govledger %s --help)", err, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // after "--": all arguments
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave the arguments where fs.Arg and fs.NArg find them.
	return fs.Parse(append([]string{"--"}, positional...))
}

// dirFlag adds the common --dir flag.
func dirFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("GOVLEDGER_DIR")
	if def == "" {
		def = "./govledger-data"
	}
	if st := os.Getenv("GOVLEDGER_STORE"); st != "" {
		def = st
	}
	dir := fs.String("dir", def, "data directory of the ledger (env GOVLEDGER_DIR)")
	storeFlagTo(fs, dir)
	return dir
}

// stringList is a repeatable string flag (--checkpoint, --projection).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
