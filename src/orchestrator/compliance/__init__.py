"""Safety-compliance records on a tamper-evident audit chain, and the queue that works them."""
