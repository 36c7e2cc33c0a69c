-- Staff page through a run's lines in file order (GET /admin/v1/reconciliation/runs/:id/lines):
-- with only the BRIN index every page sorted the whole run.
CREATE INDEX settlement_lines_run_line ON settlement_lines (run_id, line_no);
DROP INDEX settlement_lines_run;
