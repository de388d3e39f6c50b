package main

// Builds the embedded Temporal server (SQLite persistence) and the Web UI.
// Modelled on the official `temporal server start-dev`
// (github.com/temporalio/cli internal/devserver, CLI v1.9.1 uses server v1.32.0
// + ui-server v2.54.1).

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/uuid"
	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/chasm/lib/activity"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

const clusterName = "active"

// Custom search attributes registered in every namespace we create.
var searchAttributes = map[string]enumspb.IndexedValueType{
	"BridgeId":       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"OrganizationId": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"BridgeProvider": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"BridgeState":    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}

// Dynamic config: the defaults `temporal server start-dev` applies, then the
// --dynamic-config-value overrides.
func dynamicConfig(overrides map[string]any) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{}
	set := func(key dynamicconfig.Key, v any) { dc[key] = v }
	// Search attributes / Nexus endpoints visible immediately after creation.
	set(dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(), true)
	set(dynamicconfig.MakeKey("system.forceNexusEndpointRefreshOnRead"), true)
	// The SA cache is bypassed, so raise persistence QPS (CLI ratios).
	set(dynamicconfig.FrontendPersistenceMaxQPS.Key(), 10000)
	set(dynamicconfig.HistoryPersistenceMaxQPS.Key(), 45000)
	set(dynamicconfig.HistoryCacheHostLevelMaxSize.Key(), 8096)
	set(dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(), 100)
	// Workflow update + worker versioning APIs.
	set(dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key(), true)
	set(dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key(), true)
	set(dynamicconfig.FrontendEnableWorkerVersioningDataAPIs.Key(), true)
	set(dynamicconfig.FrontendEnableWorkerVersioningWorkflowAPIs.Key(), true)
	set(dynamicconfig.FrontendEnableWorkerVersioningRuleAPIs.Key(), true)
	// CHASM + standalone activities, as the CLI enables them.
	set(dynamicconfig.EnableChasm.Key(), true)
	set(activity.Enabled.Key(), true)
	set(activity.EnableStandaloneActivityOperatorCommands.Key(), true)
	set(dynamicconfig.FrontendEnableBatchOperationsForStandaloneActivities.Key(), true)
	// Server default activity retry policy, spelled out: 1s initial interval,
	// no server-side minimum (explicit client intervals are honoured as is).
	set(dynamicconfig.DefaultActivityRetryPolicy.Key(), map[string]any{
		"InitialIntervalInSeconds":   1,
		"MaximumIntervalCoefficient": 100.0,
		"BackoffCoefficient":         2.0,
		"MaximumAttempts":            0,
	})
	for key, v := range overrides {
		set(dynamicconfig.MakeKey(key), v)
	}
	return dc
}

type devServer struct {
	server temporal.Server
	ui     *uiserver.Server
}

func startDevServer(o options, logger *slog.Logger) (*devServer, error) {
	conf, err := buildConfig(o)
	if err != nil {
		return nil, err
	}
	tlog := slogAdapter{logger}
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("creating authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, tlog)
	if err != nil {
		return nil, fmt.Errorf("creating claim mapper: %w", err)
	}
	hosts := map[primitives.ServiceName]static.Hosts{}
	for _, svc := range []primitives.ServiceName{
		primitives.FrontendService, primitives.HistoryService,
		primitives.MatchingService, primitives.WorkerService,
	} {
		addr := net.JoinHostPort(dialHost(o.IP), strconv.Itoa(conf.Services[string(svc)].RPC.GRPCPort))
		hosts[svc] = static.SingleLocalHost(addr)
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(tlog),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig(o.DynamicConfig)),
	)
	if err != nil {
		return nil, fmt.Errorf("creating server: %w", err)
	}

	d := &devServer{server: srv}
	if o.UIPort > 0 {
		d.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
			Host:                o.IP,
			Port:                o.UIPort,
			TemporalGRPCAddress: net.JoinHostPort(dialHost(o.IP), strconv.Itoa(o.Port)),
			EnableUI:            true,
			DefaultNamespace:    o.Namespace,
			CORS:                uiconfig.CORS{CookieInsecure: true}, // plain http
			HideLogs:            true,
			DisableNewsFetch:    true, // offline-friendly
		}))
		go func() {
			// Start blocks; a listen failure exits the process inside ui-server
			// (we checked the port beforehand, so that is unlikely).
			_ = d.ui.Start()
		}()
	}
	if err := srv.Start(); err != nil {
		if d.ui != nil {
			d.ui.Stop()
		}
		return nil, err
	}
	return d, nil
}

func (d *devServer) Stop() {
	if d.ui != nil {
		d.ui.Stop()
	}
	_ = d.server.Stop()
}

func buildConfig(o options) (*config.Config, error) {
	sqlConf, err := buildSQLConfig(o)
	if err != nil {
		return nil, err
	}
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = o.IP
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}

	frontendAddr := net.JoinHostPort(o.IP, strconv.Itoa(o.Port))
	info := cluster.ClusterInformation{
		Enabled:                true,
		InitialFailoverVersion: 1,
		RPCAddress:             frontendAddr,
		ClusterID:              uuid.NewString(),
	}
	if o.HTTPPort > 0 {
		info.HTTPAddress = net.JoinHostPort(o.IP, strconv.Itoa(o.HTTPPort))
	}
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation:       map[string]cluster.ClusterInformation{clusterName: info},
	}
	conf.DCRedirectionPolicy.Policy = "noop"

	conf.Services = map[string]config.Service{}
	for i, name := range []string{"frontend", "history", "matching", "worker"} {
		var svc config.Service
		svc.RPC.BindOnIP = o.IP
		if name == "frontend" {
			svc.RPC.GRPCPort = o.Port
			svc.RPC.HTTPPort = o.HTTPPort // 0 = HTTP API disabled
		} else {
			svc.RPC.GRPCPort = o.internalPorts[i-1]
		}
		conf.Services[name] = svc
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontendAddr
	return &conf, nil
}

// buildSQLConfig prepares the SQLite store: creates the schema for a new file
// and registers the namespace (with its custom search attributes) if missing.
func buildSQLConfig(o options) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if o.DBFile == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = strconv.Itoa(rand.IntN(9999999))
	} else {
		conf.ConnectAttributes = map[string]string{"mode": "rwc"}
		conf.DatabaseName = o.DBFile
		if _, err := os.Stat(o.DBFile); os.IsNotExist(err) {
			if _, err := os.Stat(filepath.Dir(o.DBFile)); err != nil {
				return nil, fmt.Errorf("database directory: %w", err)
			}
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("setting up sqlite schema in %s: %w", o.DBFile, err)
			}
		}
	}
	// Retention: 24h (the sqlite schema helper's default). Skipped if the
	// namespace already exists in the file.
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, o.Namespace, false, searchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("creating namespace %q: %w", o.Namespace, err)
	}
	return conf, nil
}

// dialHost is the address to connect to for a listener bound on ip.
func dialHost(ip string) string {
	if net.ParseIP(ip).IsUnspecified() { // 0.0.0.0 or ::
		return "127.0.0.1"
	}
	return ip
}

// freePorts returns n distinct free TCP ports (all held open until return, so
// they cannot repeat).
func freePorts(ip string, n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return nil, fmt.Errorf("allocating a free port on %s: %w", ip, err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// slogAdapter turns a *slog.Logger into Temporal's log.Logger.
type slogAdapter struct{ l *slog.Logger }

var _ log.Logger = slogAdapter{}
var _ log.SLogWrapper = slogAdapter{}

func (s slogAdapter) SLog() *slog.Logger                 { return s.l }
func (s slogAdapter) Debug(msg string, tags ...tag.Tag)  { s.log(slog.LevelDebug, msg, tags) }
func (s slogAdapter) Info(msg string, tags ...tag.Tag)   { s.log(slog.LevelInfo, msg, tags) }
func (s slogAdapter) Warn(msg string, tags ...tag.Tag)   { s.log(slog.LevelWarn, msg, tags) }
func (s slogAdapter) Error(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s slogAdapter) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }
func (s slogAdapter) Panic(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s slogAdapter) Fatal(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s slogAdapter) log(lvl slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, lvl) {
		return
	}
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	s.l.LogAttrs(ctx, lvl, msg, attrs...)
}
