"""One base class per external capability, with adapters chosen by name in settings."""
