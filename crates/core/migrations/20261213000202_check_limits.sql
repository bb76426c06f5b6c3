-- Identity checks cannot restart without limit (issue 12, finding 5). `used` counts, per order,
-- party and kind (`lookup`: three-/four-factor; `deposit`: micro-deposit), the checks that
-- reached the provider; a conditional increment reserves one before any fee or transfer.
CREATE TABLE desk_check_quota (
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    party TEXT NOT NULL,
    kind TEXT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, party, kind)
);

-- Every SMS a request sends (codes, face-check links), per number (blind index): `last_at` per
-- kind for the resend gap; the row of kind `*` counts the messages of the current 24-hour window
-- for the daily cap. Both move by conditional updates, so parallel requests cannot overshoot.
CREATE TABLE sms_quota (
    phone_index TEXT NOT NULL,
    kind TEXT NOT NULL,
    last_at BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    sent BIGINT NOT NULL,
    PRIMARY KEY (phone_index, kind)
);
