package probe

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"

	"github.com/cortex/cortex-check/trust"
)

// exampleHTTPS shows the TLS keys in Validate's messages.
const exampleHTTPS = `http = "https://127.0.0.1:8443/health" and ca_file = "tls/ca.pem"`

// tlsKeys lists the TLS keys s sets, in the order of the docs.
func (s Spec) tlsKeys() []string {
	var keys []string
	if s.CAFile != "" {
		keys = append(keys, "ca_file")
	}
	if s.TLSServerName != "" {
		keys = append(keys, "tls_server_name")
	}
	if s.Insecure {
		keys = append(keys, "insecure")
	}
	return keys
}

// validateTLS judges the TLS keys; the kind's own keys are already valid.
func (s Spec) validateTLS() error {
	keys := s.tlsKeys()
	if len(keys) == 0 {
		return nil
	}
	if s.Kind() != KindHTTP {
		return fmt.Errorf("%s only goes with http, e.g. %s", keys[0], exampleHTTPS)
	}
	if !isHTTPS(s.HTTP) {
		return fmt.Errorf("%s only goes with an https URL, and http = %q is plain http, e.g. %s", keys[0], RedactURL(s.HTTP), exampleHTTPS)
	}
	if s.CAFile != "" && s.Insecure {
		return errors.New("ca_file and insecure = true together: insecure skips the verification that ca_file is for; keep ca_file and leave insecure out")
	}
	if n := s.TLSServerName; n != "" && !validServerName(n) {
		return fmt.Errorf("tls_server_name = %q: give the host name the certificate is for, without scheme or port, e.g. tls_server_name = \"api.internal\"", n)
	}
	return nil
}

func isHTTPS(raw string) bool {
	scheme, _, _ := strings.Cut(raw, "://")
	return strings.EqualFold(scheme, "https")
}

// validServerName accepts a DNS name or an IP address, as a certificate
// names them.
func validServerName(n string) bool {
	if net.ParseIP(n) != nil {
		return true
	}
	return !strings.ContainsAny(n, " \t/:@?#[]\\") && strings.Trim(n, ".") != ""
}

// tlsConfig is the TLS configuration of an https probe's transport: nil,
// Go's own (the system's CAs, the URL's host as the name), unless the
// probe sets ca_file, tls_server_name or insecure. Nothing is built for a
// probe that does not: a config without them pays nothing.
func (s Spec) tlsConfig() (*tls.Config, error) {
	if len(s.tlsKeys()) == 0 {
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         s.TLSServerName,
		InsecureSkipVerify: s.Insecure,
	}
	if s.CAFile != "" {
		if s.CA == nil {
			return nil, fmt.Errorf("ca_file %s was not read (a bug in cortex-check)", s.CAFile)
		}
		c.RootCAs = s.CA
	}
	return c, nil
}

// ReadCA reads a probe's ca_file, a PEM bundle of the CAs to trust, as the
// pass's user uid. Whoever could change it could make the probe trust a
// server of their choosing, and so decide whether --fix restarts a daemon:
// it must pass the rule a start program's argument file passes (owned by
// root or uid, in folders no one else can write; see trust.Path). It is
// judged and read through one descriptor (a link such as those in
// /etc/ssl/certs is followed and judged on the way), without blocking (a
// FIFO there must not hang the pass), only as a regular file, and must
// hold at least one certificate.
func ReadCA(path string, uid int) (*x509.CertPool, error) {
	f, err := trust.ReadState(path, uid, "ca_file")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ca_file %s does not exist: give the PEM file of the CA that signed the server's certificate", path)
	}
	if err != nil {
		return nil, err
	}
	if f.Untrusted != nil {
		var te *trust.Error
		if errors.As(f.Untrusted, &te) {
			// The rule's own words speak of files cortex-check writes.
			te.Risk = "whoever can change it could make the probe trust a server of their choosing"
		}
		return nil, fmt.Errorf("ca_file: %w", f.Untrusted)
	}
	return parseCA(path, f.Data)
}

// parseCA makes a pool of every certificate in a PEM bundle; a block that
// says CERTIFICATE but does not parse is an error, not skipped, so that a
// damaged bundle is found when it is read rather than when the probe
// fails. Other blocks are ignored, as crypto/tls does.
func parseCA(path string, data []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("ca_file %s: certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("ca_file %s holds no certificate: give a PEM file with -----BEGIN CERTIFICATE----- blocks", path)
	}
	return pool, nil
}
