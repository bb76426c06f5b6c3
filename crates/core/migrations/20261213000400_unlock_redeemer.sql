-- Finding 7: an unlock code is redeemed only by the key agent that asked for it, and each unlock
-- replaces the token's SO PIN.
-- SHA-256 (hex) of the secret the holder's key agent keeps; the code is bound to it.
ALTER TABLE desk_links ADD COLUMN redeemer_hash TEXT;
-- The SO PIN the agent sets on redeeming, sealed, until it confirms the token took it.
ALTER TABLE desk_links ADD COLUMN new_so_pin_sealed TEXT;
-- When the agent confirmed: the pending SO PIN became the token's.
ALTER TABLE desk_links ADD COLUMN confirmed_at BIGINT;
