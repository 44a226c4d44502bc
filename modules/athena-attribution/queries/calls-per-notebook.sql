-- Per notebook (the role session name): calls, first and last seen, event names.
-- Parameters: the execution role's name, then the first and last day to read, all quoted
-- ('data-science-notebooks', '2026/03/01', '2026/03/31'): the days are the `timestamp`
-- partitions, so Athena reads only those days' files.
SELECT split_part(useridentity.arn, '/', 3) AS notebook,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen,
       array_join(array_sort(array_distinct(array_agg(eventname))), ',') AS event_names
FROM ${table}
WHERE useridentity.type = 'AssumedRole'
  AND useridentity.sessioncontext.sessionissuer.username = ?
  AND split_part(useridentity.arn, '/', 3) <> 'SageMaker'
  AND "timestamp" BETWEEN ? AND ?
GROUP BY 1
ORDER BY calls DESC, notebook
