-- Calls under the role's bare SageMaker session (attribution bypassed), newest first.
-- Parameter: the execution role's name, quoted.
SELECT eventid, eventtime, eventsource, eventname, sourceipaddress, useragent, errorcode
FROM ${table}
WHERE useridentity.type = 'AssumedRole'
  AND useridentity.sessioncontext.sessionissuer.username = ?
  AND split_part(useridentity.arn, '/', 3) = 'SageMaker'
ORDER BY eventtime DESC, eventid
