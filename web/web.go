// Package web sends one HTTP/1.1 request and reads its answer's status:
// the http probes' GET and the notifiers' and the ping's POST.
//
// It is not net/http, on purpose. Linking net/http costs every pass its
// initialisation and its pages, http probe or not: measured on this
// project's machine, 2.1 ms of a pass's start-up and 0.8 MiB of its peak
// RSS (README: Performance). What cortex-check asks of HTTP is small: one
// request per connection (Connection: close, as a pass exits after it),
// no proxy from the environment, no redirect followed, no cookies, no
// compression, no HTTP/2, the status line and as much of the body as the
// server must be let to write. That is what this package does, over
// net and crypto/tls.
//
// Its errors read like net/http's, so that what a person sees is the
// same: a *url.Error ("Get "http://...": ..."), around a *net.OpError for
// a refused connection, crypto/tls's own errors for a certificate.
package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request is one request.
type Request struct {
	Method string // "GET" or "POST"
	URL    string // http:// or https://
	// Header holds the request's headers, each name with its value;
	// Host, Content-Length and Connection are the package's own.
	Header [][2]string
	Body   []byte // sent with a Content-Length; nil and GET: none
	// TLS configures an https request; nil is Go's own configuration:
	// the system's CAs, and the URL's host as the name to verify. A
	// configuration without ServerName gets the URL's host.
	TLS *tls.Config
	// Dial opens the TCP connection; nil is a net.Dialer's.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// HandshakeTimeout bounds an https request's TLS handshake, within
	// the context's deadline; 0: the context alone.
	HandshakeTimeout time.Duration
	// MaxHeader bounds the status line and headers, MaxBody how much of
	// the body is read (and thrown away) before the connection closes.
	MaxHeader, MaxBody int
}

// Response is the answer's status.
type Response struct {
	StatusCode int    // 503
	Status     string // "503 Service Unavailable", as the server wrote it
}

// DefaultUserAgent is what a request without a User-Agent header sends:
// net/http's.
const DefaultUserAgent = "Go-http-client/1.1"

// defaultMax bounds the headers and the body read where Request does not.
const defaultMax = 64 << 10

// Do sends req and returns the answer's status, whatever it is (a 3xx is
// an answer, not followed). The context's deadline bounds it all: the
// dial, the TLS handshake, the request and the answer. Errors are
// *url.Error, as net/http's Client.Do returns them.
func Do(ctx context.Context, req Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = "GET"
	}
	op := method[:1] + strings.ToLower(method[1:])
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, &url.Error{Op: op, URL: req.URL, Err: err}
	}
	resp, err := do(ctx, method, u, req)
	if err != nil {
		if ctx.Err() != nil {
			// Whatever the read or dial saw (i/o timeout, use of a
			// closed connection), the cause was the context.
			err = ctx.Err()
		}
		return nil, &url.Error{Op: op, URL: u.Redacted(), Err: err}
	}
	return resp, nil
}

func do(ctx context.Context, method string, u *url.URL, req Request) (*Response, error) {
	var port string
	switch u.Scheme {
	case "http":
		port = "80"
	case "https":
		port = "443"
	default:
		return nil, fmt.Errorf("unsupported protocol scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("no Host in request URL")
	}
	host := u.Hostname()
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			return nil, fmt.Errorf("host %q is not ASCII: write it as its xn-- (punycode) name", host)
		}
	}
	if p := u.Port(); p != "" {
		port = p
	}
	dial := req.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	raw, err := dial(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	// The connection ends with the context, by its deadline or a cancel:
	// once ctx is done, which Do then reports, as net/http does.
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conn := raw
	if u.Scheme == "https" {
		hctx := ctx
		if req.HandshakeTimeout > 0 {
			var cancel context.CancelFunc
			hctx, cancel = context.WithTimeout(ctx, req.HandshakeTimeout)
			defer cancel()
		}
		conn, err = handshake(hctx, conn, req.TLS, host)
		if err != nil && hctx.Err() != nil && ctx.Err() == nil {
			return nil, errors.New("TLS handshake timeout") // as net/http says it
		}
		if err != nil {
			return nil, err
		}
	}
	if _, err := conn.Write(request(method, u, req)); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 4096)
	resp, body, err := readResponse(br, cmpMax(req.MaxHeader), method)
	if err != nil {
		return nil, err
	}
	// Let the server finish a short body; what it says is not read.
	_, _ = io.Copy(io.Discard, io.LimitReader(body, int64(cmpMax(req.MaxBody))))
	return resp, nil
}

func cmpMax(n int) int {
	if n <= 0 {
		return defaultMax
	}
	return n
}

// handshake runs the TLS handshake as net/http's transport does: the
// URL's host as the name unless the configuration sets one, and a plain
// HTTP answer named as such.
func handshake(ctx context.Context, conn net.Conn, c *tls.Config, host string) (net.Conn, error) {
	if c == nil {
		c = &tls.Config{}
	} else {
		c = c.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	tc := tls.Client(conn, c)
	if err := tc.HandshakeContext(ctx); err != nil {
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) && string(rh.RecordHeader[:]) == "HTTP/" {
			return nil, errors.New("http: server gave HTTP response to HTTPS client")
		}
		return nil, err
	}
	return tc, nil
}

// request writes the request: its line, the headers, the body.
func request(method string, u *url.URL, req Request) []byte {
	var b bytes.Buffer
	b.WriteString(method + " " + u.RequestURI() + " HTTP/1.1\r\n")
	b.WriteString("Host: " + u.Host + "\r\n")
	agent := false
	for _, h := range req.Header {
		agent = agent || strings.EqualFold(h[0], "User-Agent")
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	if !agent {
		b.WriteString("User-Agent: " + DefaultUserAgent + "\r\n")
	}
	if u.User != nil {
		// As net/http: a URL's user and password go as basic auth.
		pass, _ := u.User.Password()
		b.WriteString("Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass)) + "\r\n")
	}
	if req.Body != nil || method == "POST" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(req.Body)) + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(req.Body)
	return b.Bytes()
}

// readResponse reads the status line and the headers, at most max bytes
// of them, past any 1xx interim answer, and returns the body to drain.
func readResponse(br *bufio.Reader, max int, method string) (*Response, io.Reader, error) {
	left := max
	for interim := 0; ; interim++ {
		line, err := readLine(br, &left)
		if err != nil {
			return nil, nil, err
		}
		resp, err := statusLine(line)
		if err != nil {
			return nil, nil, err
		}
		length, chunked, err := readHeaders(br, &left)
		if err != nil {
			return nil, nil, err
		}
		c := resp.StatusCode
		if c >= 100 && c < 200 && c != 101 && interim < 5 {
			continue // 100 Continue and the like: the answer follows
		}
		switch {
		case method == "HEAD" || c == 204 || c == 304 || c < 200:
			return resp, eof{}, nil
		case chunked:
			return resp, &chunks{br: br}, nil
		case length >= 0:
			return resp, io.LimitReader(br, length), nil
		}
		return resp, br, nil // to the end: the server closes
	}
}

// readHeaders reads a response's header lines up to the empty one, and
// keeps what framing the body needs: its Content-Length (-1: none) and
// whether it is chunked.
func readHeaders(br *bufio.Reader, left *int) (length int64, chunked bool, err error) {
	length = -1
	for {
		h, err := readLine(br, left)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // as net/http: the answer was cut
		}
		if err != nil {
			return 0, false, err
		}
		if h == "" {
			return length, chunked, nil
		}
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return 0, false, fmt.Errorf("malformed MIME header line: %s", h)
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Content-Length"):
			if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 {
				length = n
			}
		case strings.EqualFold(name, "Transfer-Encoding"):
			chunked = strings.EqualFold(value, "chunked")
		}
	}
}

// readLine reads one header line without its CRLF, counting it against
// left.
func readLine(br *bufio.Reader, left *int) (string, error) {
	var line []byte
	for {
		part, more, err := br.ReadLine()
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		*left -= len(part) + 2
		if *left < 0 {
			return "", errors.New("server response headers exceeded the limit; aborted")
		}
		line = append(line, part...)
		if !more {
			return string(line), nil
		}
	}
}

// statusLine parses "HTTP/1.1 503 Service Unavailable" as net/http does,
// and with its errors.
func statusLine(line string) (*Response, error) {
	proto, status, ok := strings.Cut(line, " ")
	if !ok {
		return nil, fmt.Errorf("malformed HTTP response %q", line)
	}
	status = strings.TrimLeft(status, " ")
	code, _, _ := strings.Cut(status, " ")
	if len(code) != 3 {
		return nil, fmt.Errorf("malformed HTTP status code %q", code)
	}
	n, err := strconv.Atoi(code)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("malformed HTTP status code %q", code)
	}
	if !strings.HasPrefix(proto, "HTTP/1.") || len(proto) != len("HTTP/1.1") || proto[7] < '0' || proto[7] > '9' {
		return nil, fmt.Errorf("malformed HTTP version %q", proto)
	}
	return &Response{StatusCode: n, Status: status}, nil
}

// eof is an empty body.
type eof struct{}

func (eof) Read([]byte) (int, error) { return 0, io.EOF }

// chunks reads a chunked body's data, ending at its last chunk.
type chunks struct {
	br   *bufio.Reader
	left int64 // of the current chunk
	done bool
}

func (c *chunks) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		max := 4096
		line, err := readLine(c.br, &max)
		if err != nil {
			return 0, err
		}
		size, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 64)
		if err != nil || n < 0 {
			return 0, errors.New("malformed chunked encoding")
		}
		if n == 0 {
			c.done = true
			return 0, io.EOF
		}
		c.left = n + 2 // and its CRLF, thrown away with it
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	return n, err
}
