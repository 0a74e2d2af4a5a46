package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// runFakeServer is fakeserver, a daemon for the probe scenarios: a server
// on 127.0.0.1 whose health a script controls through files in its work
// dir, so a probe can be made to pass, fail or hang while the process
// runs. It ends by itself after two minutes.
//
//	fakeserver -listen ADDR [-http] [-status-file F] [-down-when F [-down-at-start]] [-hang] [-beat F] [-beat-until F] [WORKDIR]
func runFakeServer() {
	fs := flag.NewFlagSet("fakeserver", flag.ExitOnError)
	listen := fs.String("listen", "", "address to listen on")
	serveHTTP := fs.Bool("http", false, "answer HTTP (200, or the code in -status-file)")
	statusFile := fs.String("status-file", "", "file holding the HTTP status to answer")
	downWhen := fs.String("down-when", "", "close the listener while this file exists, if it was written after this server started")
	hang := fs.Bool("hang", false, "accept connections and never answer")
	beat := fs.String("beat", "", "touch this file every 100ms")
	beatUntil := fs.String("beat-until", "", "stop touching the beat file once this file exists")
	downAtStart := fs.Bool("down-at-start", false, "a -down-when file there before the start counts too")
	fs.Parse(os.Args[1:])
	started := time.Now()
	// down is the -down-when file, written after this server started: a
	// server started to replace a broken one is not broken by it.
	down := func() bool {
		fi, err := os.Stat(*downWhen)
		return *downWhen != "" && err == nil && (*downAtStart || !fi.ModTime().Before(started))
	}
	fmt.Printf("fakeserver[%d]: started on %s\n", os.Getpid(), *listen)
	go func() {
		time.Sleep(2 * time.Minute)
		os.Exit(0)
	}()
	if *beat != "" {
		go func() {
			for {
				if _, err := os.Stat(*beatUntil); *beatUntil != "" && err == nil {
					return
				}
				now := time.Now()
				if err := os.Chtimes(*beat, now, now); err != nil {
					os.WriteFile(*beat, nil, 0o644)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	if *listen == "" {
		select {}
	}
	for {
		if down() {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		l, err := net.Listen("tcp", *listen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeserver: %v\n", err)
			os.Exit(1)
		}
		if *downWhen != "" {
			go func() {
				for {
					if down() {
						l.Close()
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
		}
		switch {
		case *hang:
			for {
				c, err := l.Accept()
				if err != nil {
					break
				}
				defer c.Close() // held open, never answered
			}
		case *serveHTTP:
			http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				code := http.StatusOK
				if b, err := os.ReadFile(*statusFile); err == nil {
					if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
						code = n
					}
				}
				w.WriteHeader(code)
				fmt.Fprintln(w, http.StatusText(code))
			}))
		default:
			for {
				c, err := l.Accept()
				if err != nil {
					break
				}
				c.Close()
			}
		}
	}
}

// waitfile [-older DURATION] FILE: wait, up to 20 s, until FILE exists
// (and, with -older, until it was last written longer ago than DURATION).
// It waits for a condition and asserts nothing about how long that took.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: waitfile [-older DURATION] FILE"
	var older time.Duration
	if len(args) == 3 && args[0] == "-older" {
		d, err := time.ParseDuration(args[1])
		if err != nil {
			ts.Fatalf("%s: %v", usage, err)
		}
		older, args = d, args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf(usage)
	}
	path := ts.MkAbs(args[0])
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(path); err == nil && time.Since(fi.ModTime()) > older {
			return
		}
	}
	ts.Fatalf("waitfile: %s did not appear (or stayed fresher than %s)", args[0], older)
}

func init() { scriptCmds["waitfile"] = cmdWaitFile }
