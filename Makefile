# Developer shortcuts; every target is a plain go command (see README.md).
.PHONY: test race bench vet lint fuzz quickstart

test:        ## the README's test command
	go test -race ./...

vet:
	go vet ./...

lint: vet    ## staticcheck from the Go module proxy
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

bench:       ## benchmarks with raw-Pebble limits beside each figure
	go test -run '^$$' -bench . -benchtime 3x ./store/pebblestore/ ./ledger/
	go test -run '^$$' -bench 'Replay|Report|Verify|Proofs|Bundle|ImportXES' -benchtime 1x ./cmd/govledger/
	go test -run '^$$' -bench . -benchtime 3x ./interop/...

fuzz:
	go test -run '^$$' -fuzz FuzzParseLine -fuzztime 60s ./events/
	go test -run '^$$' -fuzz FuzzDecodeRecord -fuzztime 60s ./events/
	go test -run '^$$' -fuzz FuzzDecodeStored -fuzztime 60s ./events/
	go test -run '^$$' -fuzz FuzzAppendActivity -fuzztime 60s ./events/
	go test -run '^$$' -fuzz FuzzParseCheckpoint -fuzztime 60s ./integrity/
	go test -run '^$$' -fuzz FuzzReadLine -fuzztime 60s ./bundle/
	go test -run '^$$' -fuzz FuzzOpenBundle -fuzztime 60s -fuzzminimizetime 1s ./bundle/  # each new input is minimised for 60s by default
	go test -run '^$$' -fuzz FuzzMapping -fuzztime 60s ./interop/
	go test -run '^$$' -fuzz FuzzReader -fuzztime 60s ./interop/xes/
	go test -run '^$$' -fuzz FuzzFastTime -fuzztime 60s ./interop/xes/
	go test -run '^$$' -fuzz FuzzDataAttrs -fuzztime 60s ./interop/xes/
	go test -run '^$$' -fuzz FuzzReader -fuzztime 60s ./interop/csvlog/
	go test -run '^$$' -fuzz FuzzReader -fuzztime 60s ./interop/open311/

quickstart:
	go run ./cmd/govledger quickstart
