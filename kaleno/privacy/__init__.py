"""Privacy rights as features: disconnect, export, erasure, restriction, consent, retention."""
