# The CloudTrail table's columns and types, as the Athena User Guide's "Create the table for
# CloudTrail logs in Athena using partition projection" declares them (lower-case names; the
# JSON fields that vary per service, such as requestparameters, stay JSON text).
locals {
  session_issuer = "struct<type:string,principalid:string,arn:string,accountid:string,username:string>"
  session_context = join("", [
    "struct<attributes:struct<mfaauthenticated:string,creationdate:string>,",
    "sessionissuer:${local.session_issuer},ec2roledelivery:string,",
    "webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>",
  ])
  user_identity = join("", [
    "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,",
    "accesskeyid:string,username:string,onbehalfof:struct<userid:string,identitystorearn:string>,",
    "sessioncontext:${local.session_context}>",
  ])

  columns = [
    { name = "eventversion", type = "string" },
    { name = "useridentity", type = local.user_identity },
    { name = "eventtime", type = "string" },
    { name = "eventsource", type = "string" },
    { name = "eventname", type = "string" },
    { name = "awsregion", type = "string" },
    { name = "sourceipaddress", type = "string" },
    { name = "useragent", type = "string" },
    { name = "errorcode", type = "string" },
    { name = "errormessage", type = "string" },
    { name = "requestparameters", type = "string" },
    { name = "responseelements", type = "string" },
    { name = "additionaleventdata", type = "string" },
    { name = "requestid", type = "string" },
    { name = "eventid", type = "string" },
    { name = "readonly", type = "string" },
    { name = "resources", type = "array<struct<arn:string,accountid:string,type:string>>" },
    { name = "eventtype", type = "string" },
    { name = "apiversion", type = "string" },
    { name = "recipientaccountid", type = "string" },
    { name = "serviceeventdetails", type = "string" },
    { name = "sharedeventid", type = "string" },
    { name = "vpcendpointid", type = "string" },
    { name = "vpcendpointaccountid", type = "string" },
    { name = "eventcategory", type = "string" },
    { name = "addendum", type = "struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>" },
    { name = "sessioncredentialfromconsole", type = "string" },
    { name = "edgedevicedetails", type = "string" },
    { name = "tlsdetails", type = "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>" },
  ]
}
