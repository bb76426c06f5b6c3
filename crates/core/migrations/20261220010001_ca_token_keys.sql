-- CA keys on a PKCS#11 token (the CA token of docs/operations.md): the row keeps only the key's
-- CKA_LABEL and CKA_ID (hex); `key_encrypted` is empty for them. Software keys leave both NULL.
ALTER TABLE ca_authorities ADD COLUMN key_token_label TEXT;
ALTER TABLE ca_authorities ADD COLUMN key_token_id TEXT;
