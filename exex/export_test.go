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
