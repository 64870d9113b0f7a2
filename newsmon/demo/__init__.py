"""The bundled offline demo: a snapshot of outlets served on 127.0.0.1 and its sources file."""
