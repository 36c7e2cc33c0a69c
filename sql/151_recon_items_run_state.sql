-- A run's breaks page lists one run's items in one state, in id order, by cursor: an index
-- that serves it directly, whatever the size of the other runs.
CREATE INDEX recon_items_run_state ON recon_items (run_id, status, id);
