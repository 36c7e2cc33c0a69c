-- Settlement parsers now report a line's status in the hub's words (succeeded, pending, failed)
-- rather than VNPay's two-digit vnp_TransactionStatus: lines stored before keep matching the same way.
UPDATE settlement_lines SET status = 'succeeded' WHERE status = '00';
UPDATE recon_items SET line_status = 'succeeded' WHERE line_status = '00';
