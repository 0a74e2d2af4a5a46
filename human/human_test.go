package human

import (
	"math"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		d        time.Duration
		want, up string
	}{
		{0, "0s", "0s"},
		{300 * time.Microsecond, "300µs", "300µs"},
		{1500 * time.Microsecond, "2ms", "2ms"},
		{480 * time.Millisecond, "480ms", "480ms"},
		{999600 * time.Microsecond, "1s", "1s"},
		{time.Second, "1s", "1s"},
		{1734 * time.Millisecond, "1.7s", "1.8s"},
		{9960 * time.Millisecond, "10s", "10s"},
		{10*time.Second + time.Millisecond, "10s", "11s"},
		{45 * time.Second, "45s", "45s"},
		{time.Minute, "1m", "1m"},
		{90 * time.Second, "1m30s", "1m30s"},
		{130400 * time.Millisecond, "2m10s", "2m11s"},
		{10 * time.Minute, "10m", "10m"},
		{59*time.Minute + 59600*time.Millisecond, "1h", "1h"},
		{time.Hour, "1h", "1h"},
		{time.Hour + 5*time.Second, "1h", "1h1m"},
		{time.Hour + 30*time.Minute, "1h30m", "1h30m"},
		{3*time.Hour + 12*time.Minute + 5*time.Second, "3h12m", "3h13m"},
		{23*time.Hour + 59*time.Minute + 45*time.Second, "1d", "1d"},
		{48 * time.Hour, "2d", "2d"},
		{50 * time.Hour, "2d2h", "2d2h"},
		{400 * 24 * time.Hour, "400d", "400d"},
		{-time.Minute, "-1m", "-1m"},
		{-90 * time.Second, "-1m30s", "-1m30s"},
		{math.MinInt64, "-106751d23h", "-106751d23h"},
	}
	for _, tt := range tests {
		if got := Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
		if got := DurationUp(tt.d); got != tt.up {
			t.Errorf("DurationUp(%v) = %q, want %q", tt.d, got, tt.up)
		}
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{480 * time.Millisecond, "0s"},
		{2100 * time.Millisecond, "2s"},
		{2900 * time.Millisecond, "2s"},
		{45 * time.Second, "45s"},
		{185500 * time.Millisecond, "3m5s"},
		{2 * time.Hour, "2h"},
		{3*time.Hour + 12*time.Minute + 59*time.Second, "3h12m"},
		{23*time.Hour + 59*time.Minute + 59*time.Second, "23h59m"},
		{50*time.Hour + 59*time.Minute, "2d2h"},
		{-time.Minute, "-1m"},
	}
	for _, tt := range tests {
		if got := Age(tt.d); got != tt.want {
			t.Errorf("Age(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestInts(t *testing.T) {
	tests := []struct {
		v    []int
		want string
	}{
		{nil, ""},
		{[]int{41}, "41"},
		{[]int{41, 42, 1000}, "41, 42, 1000"},
	}
	for _, tt := range tests {
		if got := Ints(tt.v); got != tt.want {
			t.Errorf("Ints(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
