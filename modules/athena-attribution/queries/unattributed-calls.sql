-- Calls under the role's bare SageMaker session (attribution bypassed), newest first.
-- Parameters: the execution role's name, then the first and last day to read
-- ('YYYY/MM/DD'), all quoted.
SELECT eventid, eventtime, eventsource, eventname, sourceipaddress, useragent, errorcode
FROM ${table}
WHERE useridentity.type = 'AssumedRole'
  AND useridentity.sessioncontext.sessionissuer.username = ?
  AND split_part(useridentity.arn, '/', 3) = 'SageMaker'
  AND "timestamp" BETWEEN ? AND ?
ORDER BY eventtime DESC, eventid
