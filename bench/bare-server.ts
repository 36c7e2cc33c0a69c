/** The ceiling: a bare Express + pg app doing one INSERT per request, nothing else. */
import express from 'express';
import pg from 'pg';

const { BENCH_DATABASE_URL, PORT } = process.env as Record<string, string>;
const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: 20 });
const app = express();
app.use(express.json());
let n = 0;
app.post('/payments', async (req, res) => {
  const id = `bare_${process.pid}_${++n}`;
  await pool.query('INSERT INTO bare_payments (id, amount, reference, body) VALUES ($1, $2, $3, $4)', [
    id,
    req.body.amount,
    req.body.reference,
    JSON.stringify(req.body),
  ]);
  res.status(201).json({ id, ...req.body });
});
app.listen(Number(PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
