package exex

// Test-only access to the crash points, for the external tests in package exex_test.

// SetAfterWALWrite makes the manager stop (as if it crashed) when fn returns an error after
// entry seq is durable and before extensions can see it.
func (c *Config) SetAfterWALWrite(fn func(seq uint64) error) {
	if c.hooks == nil {
		c.hooks = new(testHooks)
	}
	c.hooks.afterWALWrite = fn
}

// SetBeforeBackfillSend makes backfill stop when fn returns an error.
func (c *Config) SetBeforeBackfillSend(fn func(ext string, n *Notification) error) {
	if c.hooks == nil {
		c.hooks = new(testHooks)
	}
	c.hooks.beforeBackfillSend = fn
}

// TestWAL gives benchmarks the WAL's append path.
type TestWAL struct{ w *wal }

// OpenTestWAL opens a WAL in dir.
func OpenTestWAL(dir string) (*TestWAL, error) {
	w, err := openWAL(dir, nil, nil, false, func(uint64, *Notification) {})
	if err != nil {
		return nil, err
	}
	return &TestWAL{w}, nil
}

// Append encodes n and appends it durably, as the manager does before delivery.
func (t *TestWAL) Append(n *Notification) (int, error) {
	enc, err := EncodeEntry(n)
	if err != nil {
		return 0, err
	}
	_, err = t.w.append(enc, n)
	return len(enc), err
}

// Close closes the WAL.
func (t *TestWAL) Close() error { return t.w.close() }
