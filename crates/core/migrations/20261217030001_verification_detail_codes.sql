-- An identity check's result as a code and its parameters, so the English pages read it in
-- English; `detail` keeps the Chinese sentence (rows older than this have only that).
ALTER TABLE desk_verifications ADD COLUMN detail_code TEXT;
ALTER TABLE desk_verifications ADD COLUMN detail_params TEXT;
