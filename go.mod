module github.com/cortex/cortex-check

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/alecthomas/kong v1.17.0
	github.com/mitchellh/go-ps v1.0.0
)

require mvdan.cc/sh/v3 v3.14.1

// Used by tests only: testscript for the scenarios, the Prometheus
// exposition-format parser to check the textfile.
require (
	github.com/prometheus/client_model v0.6.2
	github.com/prometheus/common v0.69.0
	github.com/rogpeppe/go-internal v1.16.0
)

require (
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	golang.org/x/sys v0.47.0
	golang.org/x/tools v0.38.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
