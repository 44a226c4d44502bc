-- Who touched a resource (S3 objects as arn:aws:s3:::bucket/key, data events included),
-- newest first. Parameter: the resource's ARN, quoted.
SELECT eventtime, split_part(useridentity.arn, '/', 3) AS session, useridentity.arn AS principal,
       eventname, eventid, sourceipaddress
FROM ${table}
WHERE contains(transform(resources, r -> r.arn), ?)
ORDER BY eventtime DESC, eventid
