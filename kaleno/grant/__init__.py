"""The host's Google grant and every call made with it; the one package using kaleno.google."""
