// Command temporal-dev runs a local, Docker-free Temporal: the Temporal server
// embedded as a library with SQLite persistence, plus the Temporal Web UI.
// It is what `bun run dev` and the tests start.
//
// On success it prints exactly one line to stdout:
//
//	temporal-dev ready grpc=<ip>:<port> ui=http://<ip>:<ui-port> namespace=<ns>
//
// Errors go to stderr as one line and exit code 1. Logs go to stderr.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	operatorpb "go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

type options struct {
	IP        string
	Port      int
	UIPort    int
	HTTPPort  int
	DBFile    string
	Namespace string
	LogLevel  string
	ParentPID int
	// DynamicConfig overrides the dev defaults of server.go (--dynamic-config-value).
	DynamicConfig map[string]any

	internalPorts [3]int // gRPC ports of history, matching, worker
}

// repeated collects the values of a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	var o options
	flag.StringVar(&o.IP, "ip", "127.0.0.1", "IP address to bind the frontend and the UI to")
	flag.IntVar(&o.Port, "port", 7233, "gRPC frontend port")
	flag.IntVar(&o.UIPort, "ui-port", 8233, "Web UI port (0 disables the UI)")
	flag.IntVar(&o.HTTPPort, "http-port", 0, "frontend HTTP API port (0 = pick a free port, as start-dev does; -1 disables it)")
	flag.StringVar(&o.DBFile, "db-filename", "", "SQLite file to persist to (empty = in-memory)")
	flag.StringVar(&o.Namespace, "namespace", "default", "namespace to create/register")
	flag.StringVar(&o.LogLevel, "log-level", "warn", "server log level: debug, info, warn, error, none")
	flag.IntVar(&o.ParentPID, "parent-pid", 0, "exit when this process is gone (polled every second)")
	var dynamic repeated
	flag.Var(&dynamic, "dynamic-config-value", "dynamic config `KEY=VALUE` (VALUE is JSON, as for `temporal server start-dev`); repeatable")
	flag.Parse()

	var err error
	if o.DynamicConfig, err = parseDynamicConfig(dynamic); err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "temporal-dev: "+oneLine(err.Error()))
		os.Exit(1)
	}
}

func run(o options) error {
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", flag.Args())
	}
	if o.IP == "localhost" {
		o.IP = "127.0.0.1" // the server wants an IP
	}
	if net.ParseIP(o.IP) == nil {
		return fmt.Errorf("--ip %q is not an IP address", o.IP)
	}
	if o.Namespace == "" {
		return errors.New("--namespace must not be empty")
	}
	logger, logLevel, err := newLogger(o.LogLevel)
	if err != nil {
		return err
	}

	// Stop signals: SIGINT/SIGTERM (also sent by the kernel when our parent
	// dies, see parent_linux.go) and the --parent-pid watchdog.
	stop := make(chan string, 1)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() { stop <- (<-sigs).String() }()
	if o.ParentPID > 0 {
		if !processAlive(o.ParentPID) {
			return fmt.Errorf("parent process %d is not running", o.ParentPID)
		}
		go watchParent(o.ParentPID, stop)
	}

	// Free ports for history, matching and worker, plus the HTTP API when
	// --http-port is 0 (like start-dev, which always serves it: Nexus needs it).
	free, err := freePorts(o.IP, 4)
	if err != nil {
		return err
	}
	o.internalPorts = [3]int(free[:3])
	if o.HTTPPort == 0 {
		o.HTTPPort = free[3]
	} else if o.HTTPPort < 0 {
		o.HTTPPort = 0
	}

	// Fail early, with a clear message, if a port is taken.
	ports := []struct {
		name string
		port int
	}{{"gRPC --port", o.Port}, {"--ui-port", o.UIPort}, {"--http-port", o.HTTPPort}}
	for _, p := range ports {
		if p.port == 0 {
			continue
		}
		if err := checkPortFree(o.IP, p.port); err != nil {
			return fmt.Errorf("%s %d: %w", p.name, p.port, err)
		}
	}

	// Start in the background so a signal during startup still exits quickly.
	type result struct {
		srv *devServer
		err error
	}
	started := make(chan result, 1)
	go func() {
		srv, err := startDevServer(o, logger)
		if err == nil {
			err = waitReady(o)
		}
		started <- result{srv, err}
	}()
	var srv *devServer
	select {
	case reason := <-stop:
		logger.Warn("stopping during startup", "reason", reason)
		return nil
	case r := <-started:
		if r.err != nil {
			if r.srv != nil {
				stopWithTimeout(r.srv, logger)
			}
			return fmt.Errorf("failed starting server: %w", r.err)
		}
		srv = r.srv
	}

	ui := "none"
	if o.UIPort > 0 {
		ui = "http://" + net.JoinHostPort(o.IP, strconv.Itoa(o.UIPort))
	}
	fmt.Printf("temporal-dev ready grpc=%s ui=%s namespace=%s\n",
		net.JoinHostPort(o.IP, strconv.Itoa(o.Port)), ui, o.Namespace)

	reason := <-stop
	logger.Info("stopping", "reason", reason)
	if logLevel.Level() >= slog.LevelWarn {
		// The server logs plenty of harmless errors while shutting down.
		logLevel.Set(levelNone)
	}
	stopWithTimeout(srv, logger)
	return nil
}

// stopWithTimeout stops the server but never takes more than ~4s.
func stopWithTimeout(srv *devServer, logger *slog.Logger) {
	done := make(chan struct{})
	go func() { srv.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(4 * time.Second):
		logger.Warn("server did not stop within 4s, exiting anyway")
	}
}

// waitReady returns once the frontend answers gRPC calls for our namespace, the
// custom search attributes are registered, and the UI (if any) listens.
func waitReady(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := grpc.NewClient(net.JoinHostPort(dialHost(o.IP), strconv.Itoa(o.Port)),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	wf := workflowservice.NewWorkflowServiceClient(conn)
	op := operatorpb.NewOperatorServiceClient(conn)

	var lastErr error
	for {
		lastErr = func() error {
			callCtx, c := context.WithTimeout(ctx, 2*time.Second)
			defer c()
			if _, err := wf.DescribeNamespace(callCtx,
				&workflowservice.DescribeNamespaceRequest{Namespace: o.Namespace}); err != nil {
				return err
			}
			return ensureSearchAttributes(callCtx, op, o.Namespace)
		}()
		if lastErr == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("frontend not ready after 60s: %w", lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}

	if o.UIPort > 0 {
		addr := net.JoinHostPort(dialHost(o.IP), strconv.Itoa(o.UIPort))
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("UI not listening on %s after 60s: %w", addr, err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// ensureSearchAttributes adds any of our custom search attributes missing from
// the namespace. New namespaces get them from the SQLite setup already; this
// covers a database file created before an attribute was added to the list.
func ensureSearchAttributes(ctx context.Context, op operatorpb.OperatorServiceClient, ns string) error {
	resp, err := op.ListSearchAttributes(ctx, &operatorpb.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range searchAttributes {
		if _, ok := resp.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorpb.AddSearchAttributesRequest{
		Namespace:        ns,
		SearchAttributes: missing,
	})
	return err
}

const levelNone = slog.LevelError + 100

func newLogger(level string) (*slog.Logger, *slog.LevelVar, error) {
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "none", "never", "off":
		lvl = levelNone
	default:
		if err := lvl.UnmarshalText([]byte(level)); err != nil {
			return nil, nil, fmt.Errorf("--log-level %q: use debug, info, warn, error or none", level)
		}
	}
	lv := &slog.LevelVar{}
	lv.Set(lvl)
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})
	return slog.New(h), lv, nil
}

func checkPortFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return errors.New("address already in use")
		}
		return err
	}
	return l.Close()
}

func watchParent(pid int, stop chan<- string) {
	for range time.Tick(time.Second) {
		if !processAlive(pid) || (pid == initialPPID && os.Getppid() != pid) {
			select {
			case stop <- fmt.Sprintf("parent process %d exited", pid):
			default:
			}
			return
		}
	}
}

// parseDynamicConfig reads KEY=VALUE pairs whose VALUE is JSON. Whole numbers become
// int (the server's int settings accept no float64), like the CLI's start-dev does.
func parseDynamicConfig(pairs []string) (map[string]any, error) {
	values := map[string]any{}
	for _, pair := range pairs {
		key, raw, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("--dynamic-config-value %q: want KEY=VALUE", pair)
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(raw)) {
			return nil, fmt.Errorf("--dynamic-config-value %s: the value must be JSON (a string is quoted: %s=\"text\")", key, key)
		}
		if n, isNumber := v.(json.Number); isNumber {
			if i, err := n.Int64(); err == nil {
				v = int(i)
			} else if f, err := n.Float64(); err == nil {
				v = f
			}
		}
		values[key] = v
	}
	return values, nil
}

// processAlive reports whether pid exists (signal 0 probe).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
