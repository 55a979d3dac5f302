"""The read side: read-model tables beside the events, and the contract's reports answered from them."""
