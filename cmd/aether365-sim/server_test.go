package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

func TestDefaultServerTimeoutsBoundEveryPhase(t *testing.T) {
	for _, latency := range []time.Duration{0, 3 * time.Minute} {
		server := newHTTPServer(http.NotFoundHandler(), defaultServerTimeouts(latency))
		for name, timeout := range map[string]time.Duration{
			"ReadHeaderTimeout": server.ReadHeaderTimeout, "ReadTimeout": server.ReadTimeout,
			"WriteTimeout": server.WriteTimeout, "IdleTimeout": server.IdleTimeout,
		} {
			if timeout <= 0 || timeout > 5*time.Minute {
				t.Errorf("latency %s: %s = %s, want a bound of a few minutes at most", latency, name, timeout)
			}
		}
		if server.WriteTimeout <= latency {
			t.Errorf("latency %s: WriteTimeout %s would cut every delayed answer", latency, server.WriteTimeout)
		}
	}
}

// Slow-loris: clients that trickle their headers or their body, or keep an
// idle connection, are disconnected within the bounds, with test-sized
// timeouts instead of the real ones.
func TestServerClosesSlowClients(t *testing.T) {
	sim, err := simulator.New(simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	timeouts := serverTimeouts{readHeader: 300 * time.Millisecond, read: 600 * time.Millisecond, write: time.Second, idle: 400 * time.Millisecond}
	server := newHTTPServer(sim, timeouts)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(func() { _ = server.Close() })
	address := listener.Addr().String()

	slowHeaders := "GET /tenants/me/scans HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer " + simulator.DemoAPIKey + "\r\nX-Padding: " + strings.Repeat("x", 200)
	slowBodyHeaders := "POST /tenants/me/scans HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer " + simulator.DemoAPIKey +
		"\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
	slowBody := `{"scan_type":"compliance"` + strings.Repeat(" ", 400)
	idle := "GET /tenants/me/scans HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer " + simulator.DemoAPIKey + "\r\n\r\n"

	// The client side gives up well after the server should have: 5 s.
	const clientPatience = 5 * time.Second
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			conn, err := net.Dial("tcp", address)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			started := time.Now()
			_ = conn.SetDeadline(started.Add(clientPatience))
			switch i % 3 {
			case 0, 1:
				payload := slowHeaders
				if i%3 == 1 {
					// The headers at once, then the body slowly.
					if _, err := conn.Write([]byte(slowBodyHeaders)); err != nil {
						t.Error(err)
						return
					}
					payload = slowBody
				}
				// One byte every 20 ms until the server hangs up.
				for _, b := range []byte(payload) {
					if _, err := conn.Write([]byte{b}); err != nil {
						break
					}
					time.Sleep(20 * time.Millisecond)
					if time.Since(started) > clientPatience {
						break
					}
				}
			case 2:
				if _, err := conn.Write([]byte(idle)); err != nil {
					t.Error(err)
					return
				}
				if _, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil {
					t.Errorf("idle client: first answer: %v", err)
					return
				}
			}
			if err := waitForHangUp(conn); err != nil {
				t.Errorf("client %d (%s): %v after %s", i, []string{"slow headers", "slow body", "idle"}[i%3], err, time.Since(started).Round(time.Millisecond))
			}
		})
	}
	wg.Wait()
}

// waitForHangUp reads until the server closes the connection; a client
// deadline means it never did.
func waitForHangUp(conn net.Conn) error {
	buffer := make([]byte, 4096)
	for {
		_, err := conn.Read(buffer)
		if err == nil {
			continue
		}
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			return fmt.Errorf("still connected: %w", err)
		}
		return nil // EOF or reset: the server hung up
	}
}
