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
	go test -run '^$$' -bench 'Replay|Report' -benchtime 1x ./cmd/govledger/

fuzz:
	go test -run '^$$' -fuzz FuzzParseLine -fuzztime 60s ./events/
	go test -run '^$$' -fuzz FuzzDecodeRecord -fuzztime 60s ./events/
	go test -run '^$$' -fuzz FuzzDecodeStored -fuzztime 60s ./events/

quickstart:
	go run ./cmd/govledger quickstart
