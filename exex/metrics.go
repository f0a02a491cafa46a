package exex

import "github.com/ethereum/go-ethereum/metrics"

// managerMetrics are registered under zkexex/exex/ in the configured registry.
type managerMetrics struct {
	head          *metrics.Gauge
	walBytes      *metrics.Gauge
	walEntries    *metrics.Gauge
	walLowest     *metrics.Gauge
	walHighest    *metrics.Gauge
	walWrite      *metrics.Timer
	notifications *metrics.Counter
	witnessed     *metrics.Counter
	backfilled    *metrics.Counter
}

func newManagerMetrics(r metrics.Registry) *managerMetrics {
	const p = "zkexex/exex/"
	return &managerMetrics{
		head:          metrics.GetOrRegisterGauge(p+"head", r),
		walBytes:      metrics.GetOrRegisterGauge(p+"wal/bytes", r),
		walEntries:    metrics.GetOrRegisterGauge(p+"wal/entries", r),
		walLowest:     metrics.GetOrRegisterGauge(p+"wal/lowest", r),
		walHighest:    metrics.GetOrRegisterGauge(p+"wal/highest", r),
		walWrite:      metrics.GetOrRegisterTimer(p+"wal/write", r),
		notifications: metrics.GetOrRegisterCounter(p+"notifications", r),
		witnessed:     metrics.GetOrRegisterCounter(p+"witnessed", r),
		backfilled:    metrics.GetOrRegisterCounter(p+"backfilled", r),
	}
}
