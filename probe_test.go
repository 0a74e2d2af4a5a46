package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// runFakeServer is fakeserver, a daemon for the probe scenarios: a server
// on 127.0.0.1 whose health a script controls through files in its work
// dir, so a probe can be made to pass, fail or hang while the process
// runs. It ends by itself after two minutes. With -tls-cert-out it
// answers HTTPS with a self-signed certificate for the name
// cortex-probe.test (not for its address) made at its start: the
// certificate's PEM is written to that file before it listens, for a
// probe's ca_file; the key never leaves the process.
//
// With -auth-file it answers 401 unless a request carries the basic-auth
// user:password and the query that the file holds, on its first and
// second line: proof that a probe sends its URL's secrets, which it must
// never show.
//
//	fakeserver -listen ADDR [-http [-tls-cert-out F] [-auth-file F]] [-status-file F] [-down-when F [-down-at-start]] [-hang] [-beat F] [-beat-until F] [WORKDIR]
func runFakeServer() {
	fs := flag.NewFlagSet("fakeserver", flag.ExitOnError)
	f := &fakeServer{started: time.Now()}
	fs.StringVar(&f.listen, "listen", "", "address to listen on")
	fs.BoolVar(&f.http, "http", false, "answer HTTP (200, or the code in -status-file)")
	fs.StringVar(&f.statusFile, "status-file", "", "file holding the HTTP status to answer")
	fs.StringVar(&f.downWhen, "down-when", "", "close the listener while this file exists, if it was written after this server started")
	fs.BoolVar(&f.hang, "hang", false, "accept connections and never answer")
	fs.StringVar(&f.beat, "beat", "", "touch this file every 100ms")
	fs.StringVar(&f.beatUntil, "beat-until", "", "stop touching the beat file once this file exists")
	fs.BoolVar(&f.downAtStart, "down-at-start", false, "a -down-when file there before the start counts too")
	fs.StringVar(&f.authFile, "auth-file", "", "with -http: answer 401 unless the request has the user:password and the query on this file's two lines")
	tlsCertOut := fs.String("tls-cert-out", "", "with -http: answer HTTPS, and write the self-signed certificate's PEM to this file")
	fs.StringVar(&f.record, "record", "", "with -http: append each request answered to this file, one line: METHOD PATH BODY (newlines in the body as \\n)")
	fs.StringVar(&f.hangFile, "hang-file", "", "with -http: while this file exists, read each request and never answer it (nor record it)")
	fs.Parse(os.Args[1:])
	if *tlsCertOut != "" {
		cert, err := selfSignedCert(fakeServerName, *tlsCertOut)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeserver: %v\n", err)
			os.Exit(1)
		}
		f.tls = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	fmt.Printf("fakeserver[%d]: started on %s\n", os.Getpid(), f.listen)
	go func() {
		time.Sleep(2 * time.Minute)
		os.Exit(0)
	}()
	if f.beat != "" {
		go f.beatLoop()
	}
	if f.listen == "" {
		select {}
	}
	for {
		if f.down() {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		l, err := net.Listen("tcp", f.listen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeserver: %v\n", err)
			os.Exit(1)
		}
		if f.downWhen != "" {
			go f.closeWhenDown(l)
		}
		f.serve(l)
	}
}

// fakeServer is fakeserver's flags and its start.
type fakeServer struct {
	listen, statusFile, downWhen, beat, beatUntil string
	authFile, record, hangFile                    string
	http, hang, downAtStart                       bool
	tls                                           *tls.Config
	started                                       time.Time
}

// down says whether the -down-when file is there, written after this
// server started: a server started to replace a broken one is not broken
// by it.
func (f *fakeServer) down() bool {
	fi, err := os.Stat(f.downWhen)
	return f.downWhen != "" && err == nil && (f.downAtStart || !fi.ModTime().Before(f.started))
}

// closeWhenDown closes the listener once the server is to be down.
func (f *fakeServer) closeWhenDown(l net.Listener) {
	for !f.down() {
		time.Sleep(50 * time.Millisecond)
	}
	l.Close()
}

// beatLoop touches the beat file every 100ms, until -beat-until exists.
func (f *fakeServer) beatLoop() {
	for {
		if _, err := os.Stat(f.beatUntil); f.beatUntil != "" && err == nil {
			return
		}
		now := time.Now()
		if err := os.Chtimes(f.beat, now, now); err != nil {
			os.WriteFile(f.beat, nil, 0o644)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serve answers on l until it is closed: never (-hang), HTTP, or by
// closing each connection at once.
func (f *fakeServer) serve(l net.Listener) {
	switch {
	case f.hang:
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	case f.http:
		if f.tls != nil {
			l = tls.NewListener(l, f.tls)
		}
		http.Serve(l, http.HandlerFunc(f.answer))
	default:
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}
}

// answer is the HTTP handler: hang while -hang-file exists, record the
// request, check its secrets, then answer -status-file's code (200).
func (f *fakeServer) answer(w http.ResponseWriter, r *http.Request) {
	if _, err := os.Stat(f.hangFile); f.hangFile != "" && err == nil {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // the client gave up
		return
	}
	if f.record != "" {
		recordRequest(f.record, r)
	}
	if f.authFile != "" && !authorized(r, f.authFile) {
		http.Error(w, "wrong password or query", http.StatusUnauthorized)
		return
	}
	code := http.StatusOK
	if b, err := os.ReadFile(f.statusFile); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			code = n
		}
	}
	w.WriteHeader(code)
	fmt.Fprintln(w, http.StatusText(code))
}

var recordMu sync.Mutex

// recordRequest appends "METHOD PATH BODY" to file, the body on the same
// line (its newlines as \n), so that a script counts requests by line.
func recordRequest(file string, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	recordMu.Lock()
	defer recordMu.Unlock()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakeserver: %v\n", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s %s\n", r.Method, r.URL.RequestURI(), strings.ReplaceAll(string(body), "\n", `\n`))
}

// authorized says whether r carries the user:password and the raw query
// on the first two lines of file.
func authorized(r *http.Request, file string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	want := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	user, pass, ok := r.BasicAuth()
	return ok && len(want) == 2 && user+":"+pass == strings.TrimSpace(want[0]) && r.URL.RawQuery == strings.TrimSpace(want[1])
}

// fakeServerName is the only name fakeserver's certificate is for.
const fakeServerName = "cortex-probe.test"

// selfSignedCert makes a certificate for name that signs itself, valid for
// an hour around now, and writes its PEM (never the key) to certOut,
// atomically, so that a script sees the whole file or none.
func selfSignedCert(name, certOut string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true, // its own CA: the one certificate a ca_file needs
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmp := certOut + ".tmp"
	if err := os.MkdirAll(filepath.Dir(certOut), 0o755); err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, err
	}
	if err := os.Rename(tmp, certOut); err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
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
