# `make build` builds ./zenctl; `make test` runs the whole test suite,
# including the real Secret Service tests when dbus-run-session and
# gnome-keyring-daemon are installed (see scripts/test.sh).
.PHONY: build test lint bench docs

build:
	go build -o zenctl ./cmd/zenctl

test:
	./scripts/test.sh

lint:
	test -z "$$(gofmt -l .)"
	go vet ./...
	staticcheck ./...

bench:
	./bench/run.sh

docs:
	go run ./cmd/gendocs markdown docs/reference
	go run ./cmd/gendocs man manpages
