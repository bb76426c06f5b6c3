-- Seals (ES-12, ES-14): at most one live seal of each type per enterprise (a second company seal
-- is made by replacing the image, not by creating another), and at most one active seal of each
-- kind per person (a new handwriting voids the previous one). A void seal stays, for the log and
-- the contracts already stamped with it.
CREATE UNIQUE INDEX ec_seals_one_per_type ON ec_seals (enterprise_id, kind)
    WHERE enterprise_id IS NOT NULL AND state <> 'void';
CREATE UNIQUE INDEX ec_seals_one_personal ON ec_seals (user_id, kind)
    WHERE enterprise_id IS NULL AND state = 'active';
