package realtime

import "github.com/prometheus/client_golang/prometheus"

// metrics are the hub's Prometheus collectors; the server registers them on its own registry.
type metrics struct {
	connections   prometheus.Gauge
	subscriptions prometheus.Gauge
	delivered     prometheus.Counter
	slow          prometheus.Counter
	lag           prometheus.Histogram
	reconnects    prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nabij_ws_connections", Help: "Open websocket connections.",
		}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nabij_ws_subscriptions", Help: "Topic subscriptions of the open websocket connections.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nabij_ws_events_delivered_total", Help: "Events written to websocket clients, replayed ones included.",
		}),
		slow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nabij_ws_clients_dropped_slow_total", Help: "Websocket clients disconnected because they could not keep up.",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "nabij_ws_delivery_lag_seconds", Help: "Time from an event's write in the database to its send to a client (live events; per write to a client, its oldest event).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nabij_events_listener_reconnects_total", Help: "Times the database listener for events was lost and connected again.",
		}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.connections, m.subscriptions, m.delivered, m.slow, m.lag, m.reconnects}
}
