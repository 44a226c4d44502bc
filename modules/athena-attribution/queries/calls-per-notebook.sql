-- Per notebook (the role session name): calls, first and last seen, event names.
-- Parameter: the execution role's name, quoted ('data-science-notebooks').
SELECT split_part(useridentity.arn, '/', 3) AS notebook,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen,
       array_join(array_sort(array_distinct(array_agg(eventname))), ',') AS event_names
FROM ${table}
WHERE useridentity.type = 'AssumedRole'
  AND useridentity.sessioncontext.sessionissuer.username = ?
  AND split_part(useridentity.arn, '/', 3) <> 'SageMaker'
GROUP BY 1
ORDER BY calls DESC, notebook
