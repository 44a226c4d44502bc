-- Who touched a resource (S3 objects as arn:aws:s3:::bucket/key, data events included),
-- newest first. Parameters: the resource's ARN, then the first and last day to read
-- ('YYYY/MM/DD'), all quoted.
SELECT eventtime, split_part(useridentity.arn, '/', 3) AS session, useridentity.arn AS principal,
       eventname, eventid, sourceipaddress
FROM ${table}
WHERE contains(transform(resources, r -> r.arn), ?)
  AND "timestamp" BETWEEN ? AND ?
ORDER BY eventtime DESC, eventid
