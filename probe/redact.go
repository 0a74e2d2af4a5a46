package probe

import (
	"net/url"
	"strings"
)

// redacted stands in for every secret a URL shows: url.URL.Redacted's
// word, so that one form appears everywhere.
const redacted = "xxxxx"

// RedactURL returns a probe URL as it may be shown: in the status file
// (which all may read), the plugin output, the restart log, validate and
// every error message. The password in its user info and every value of
// its query become xxxxx, and so does a query item without a value, which
// may be a token itself:
//
//	http://admin:S3cret@host/health?token=T0k  ->  http://admin:xxxxx@host/health?token=xxxxx
//
// The path, the host and a user name without a password are kept: they
// say which endpoint it is. A URL that does not parse is redacted by its
// text the same way, as well as that can be done. Every place that turns
// a probe URL into text goes through here.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		// An opaque URL is one written without "//" ("admin:pw@host"
		// parses as scheme admin): its user info is in Opaque, where
		// Redacted does not look.
		return redactText(raw)
	}
	_, hasPassword := u.User.Password()
	if !hasPassword && u.RawQuery == "" {
		return raw // nothing to hide: keep it as the user wrote it
	}
	c := *u
	c.RawQuery = redactQuery(u.RawQuery)
	return c.Redacted()
}

// redactQuery writes every value of a raw query as xxxxx, keeping the
// names and their order.
func redactQuery(q string) string {
	if q == "" {
		return ""
	}
	items := strings.Split(q, "&")
	for i, item := range items {
		if item == "" {
			continue
		}
		if name, _, ok := strings.Cut(item, "="); ok {
			items[i] = name + "=" + redacted
		} else {
			items[i] = redacted
		}
	}
	return strings.Join(items, "&")
}

// redactText redacts a URL that url.Parse refused. A password may hold
// the very characters that made it fail (a '/' or '#'), so the user info
// runs up to the last '@' after the scheme, and the query starts at the
// first '?' after that.
func redactText(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	} else {
		scheme += "://"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPassword := strings.Cut(rest[:at], ":"); hasPassword {
			rest = user + ":" + redacted + rest[at:]
		}
	}
	from := strings.LastIndex(rest, "@") + 1
	if i := strings.IndexByte(rest[from:], '?'); i >= 0 {
		q := rest[from+i+1:]
		fragment := ""
		if j := strings.IndexByte(q, '#'); j >= 0 {
			q, fragment = q[:j], q[j:]
		}
		rest = rest[:from+i+1] + redactQuery(q) + fragment
	}
	return scheme + rest
}

// tokenSegment is the length from which a URL's path segment is taken for
// a token: Slack's and Discord's webhook secrets, healthchecks.io's UUIDs.
const tokenSegment = 16

// RedactSecretURL is RedactURL for a URL whose path may be the secret (a
// webhook, a dead-man's-switch ping URL): on top of the password and the
// query's values, every path segment of 16 characters or more reads
// xxxxx, so that https://hooks.slack.com/services/T0/B0/abcdefghijklmnopqrstuvwx
// shows as https://hooks.slack.com/services/T0/B0/xxxxx. The host and the
// short segments still say which endpoint it is.
func RedactSecretURL(raw string) string {
	s := RedactURL(raw)
	scheme, rest, ok := strings.Cut(s, "://")
	if ok {
		scheme += "://"
	} else {
		scheme, rest = "", s // a URL without its scheme: its host first all the same
	}
	end := strings.IndexAny(rest, "?#")
	if end < 0 {
		end = len(rest)
	}
	path, tail := rest[:end], rest[end:]
	segments := strings.Split(path, "/")
	for i := 1; i < len(segments); i++ { // segments[0] is the host
		if len(segments[i]) >= tokenSegment {
			segments[i] = redacted
		}
	}
	return scheme + strings.Join(segments, "/") + tail
}
