"""The embedded AWS emulator: moto's server app on a free loopback port.

One endpoint serves every emulated service; the harness points Terraform, boto3 and the AWS
CLI at it. Later layers (metadata service, CloudTrail recorder) wrap the same WSGI app.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from botocore.config import Config
from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from ..sessions import BASE_SESSION_NAME
from . import boto_sessions
from .athena import AthenaApi, AthenaQueries
from .aws_managed_policies import install as serve_aws_managed_policies
from .cloudtrail import CloudTrailStore
from .cloudtrail.eventbridge import forward
from .cloudtrail.recorder import CloudTrailRecorder
from .cloudtrail.trail_deletion import install as delete_trails_by_arn
from .constants import DEFAULT_REGION, INTERNAL_AGENT, TEST_CREDENTIALS
from .control_route import ControlRoute, Starter
from .ec2_public_images import install as leave_out_public_images
from .host_dispatch import HostDispatch
from .imds import PREFIX as IMDS_PREFIX
from .imds import MetadataService, RootPaths
from .moto_reset import install as reset_without_rebuilding
from .network import NotebookNetwork
from .s3_secure_transport import install as stand_in_for_tls
from .sagemaker_eni import NotebookInterfaces
from .sagemaker_notebook_settings import NotebookSettings
from .sns_sqs_delivery import QueuePolicyGate
from .sns_sqs_delivery import install as judge_sqs_deliveries
from .transport import RequestHandler, WholeResponses
from .unimplemented import Unimplemented
from .vpc_reachability import VpcReachability


class Emulator:
    """moto as a real HTTP server on 127.0.0.1, started and stopped by the harness."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._metadata: MetadataService | None = None
        self.reachability: VpcReachability | None = None  # what VPC-only notebooks reach
        self.cloudtrail = CloudTrailStore()  # knobs: delivery_delay, lookup_rate, throttling
        self.athena = AthenaQueries()  # knobs: queued_seconds, running_seconds; use_clock
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self._clients_lock = threading.Lock()
        self._network: NotebookNetwork | None = None  # started by the first sandbox
        self._network_lock = threading.Lock()
        # What failed to reach EventBridge, and SNS->SQS deliveries the queue's policy refused;
        # AWS's delivery never fails the API call either.
        self.delivery_errors: list[str] = []
        # What starts a notebook when `nbattr emulator start` asks (control_route); the
        # notebook sandbox, set by `nbattr emulator serve`.
        self.notebook_starter: Starter | None = None

    def start(self) -> Emulator:
        serve_aws_managed_policies()  # before any IAM backend is made
        reset_without_rebuilding()
        leave_out_public_images()
        delete_trails_by_arn()
        stand_in_for_tls()
        self._metadata = MetadataService(
            NotebookInterfaces(
                NotebookSettings(
                    AthenaApi(
                        Unimplemented(HostDispatch(create_backend_app)),
                        self.athena,
                        lambda service, region: self.client(service, region, internal=True),
                    )
                )
            ),
            self._base_credentials,
            self._metadata_reachable,
            self._allows_imds_v1,
        )
        recorder = CloudTrailRecorder(
            self._metadata, self.cloudtrail, self._not_an_api_call, self._to_eventbridge
        )
        # Outermost: a request that cannot reach AWS leaves no CloudTrail record either.
        self.reachability = VpcReachability(
            recorder,
            self._notebook_at,
            lambda service, region: self.client(service, region, internal=True),
            DEFAULT_REGION,
        )
        self._server = make_server(
            self._host,
            self._port,
            # Outermost: each answer leaves in one send (see transport).
            WholeResponses(
                ControlRoute(
                    RootPaths(self.reachability, self._notebook_at),
                    lambda: self.notebook_starter,
                    self.cloudtrail.flush,
                )
            ),
            threaded=True,
            request_handler=RequestHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="nbattr-emulator", daemon=True
        )
        self._thread.start()
        judge_sqs_deliveries(QueuePolicyGate(self.delivery_errors.append))
        for service in ("sagemaker", "sts"):  # the metadata service's clients, made up front
            self.client(service, internal=True)
        return self

    def stop(self) -> None:
        judge_sqs_deliveries(None)
        self._stop_notebook_network()
        self._clients.clear()  # they point at this server's port
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def app(self) -> Any:
        """The WSGI app the server serves: whatever start() wrapped around moto."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server.app

    @property
    def endpoint(self) -> str:
        return f"http://{self._host}:{self.port}"

    def notebook_network(self) -> NotebookNetwork:
        """The network of sandboxed notebooks, started on first use (it needs root): the
        emulator also serves there, so each notebook's calls carry its own address."""
        with self._network_lock:
            if self._network is None:
                # The same app and handler: served alike (`app` raises if not started).
                self._network = NotebookNetwork(self.app, self.port, RequestHandler).start()
            return self._network

    @property
    def notebook_endpoint(self) -> str:
        """The emulator's endpoint as sandboxed notebooks reach it (see nbattr.emulator.network)."""
        return self.notebook_network().endpoint

    def notebook_metadata_endpoint(self, notebook: str) -> str:
        """AWS_EC2_METADATA_SERVICE_ENDPOINT inside a notebook's sandbox."""
        return f"{self.notebook_endpoint}{IMDS_PREFIX}{notebook}/"

    def _stop_notebook_network(self) -> None:
        with self._network_lock:
            if self._network is not None:
                self._network.stop()
            self._network = None

    @staticmethod
    def _not_an_api_call(environ: dict[str, Any]) -> bool:
        """The metadata service, moto's own API and the emulator's internal calls."""
        own = INTERNAL_AGENT in environ.get("HTTP_USER_AGENT", "")
        return own or environ.get("PATH_INFO", "").startswith((IMDS_PREFIX, "/moto-api"))

    def _to_eventbridge(self, record: dict[str, Any]) -> None:
        try:
            forward(record)
        except Exception as error:
            self.delivery_errors.append(f"{record.get('eventName')}: {error!r}")

    @property
    def api_calls(self) -> int:
        """AWS API requests served since the last reset: CloudTrail records one per request,
        and none for the metadata service, moto's own API or the emulator's internal calls."""
        return self.cloudtrail.count

    def _notebook_at(self, address: str) -> str | None:
        """The sandboxed notebook calling from `address`; None for the harness (loopback)."""
        network = self._network
        return None if network is None else network.notebook_at(address)

    def _metadata_reachable(self, notebook: str, address: str) -> bool:
        """The harness (on loopback) may ask for any notebook's metadata; a sandboxed notebook
        only for its own, as an instance reaches only its own metadata service."""
        if address.startswith("127."):
            return True
        network = self._network
        return network is not None and network.notebook_at(address) == notebook

    def _allows_imds_v1(self, notebook: str) -> bool:
        """Whether the notebook's MinimumInstanceMetadataServiceVersion is "1", as SageMaker
        configures the instance from DescribeNotebookInstance's setting."""
        sagemaker = self.client("sagemaker", internal=True)
        try:
            described = sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)
        except sagemaker.exceptions.ClientError:
            return False
        configuration = described.get("InstanceMetadataServiceConfiguration", {})
        return configuration.get("MinimumInstanceMetadataServiceVersion") == "1"

    def _base_credentials(self, notebook: str) -> tuple[str, dict[str, Any]]:
        """The notebook's role credentials, session `SageMaker`, as SageMaker vends them."""
        sagemaker = self.client("sagemaker", internal=True)
        try:
            role_arn = sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)[
                "RoleArn"
            ]
        except sagemaker.exceptions.ClientError as error:
            raise LookupError(f"no notebook instance {notebook}") from error
        assumed = self.client("sts", internal=True).assume_role(
            RoleArn=role_arn, RoleSessionName=BASE_SESSION_NAME, DurationSeconds=3600
        )
        return role_arn, assumed["Credentials"]

    def reset(self) -> None:
        """Forget every emulated resource (moto's reset API)."""
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        if self._metadata is not None:
            self._metadata.forget()
        self.cloudtrail.reset()
        self.athena.reset()
        self.delivery_errors.clear()

    def aws_environ(self, region: str = DEFAULT_REGION) -> dict[str, str]:
        """AWS variables that point an SDK, the CLI or Terraform at this emulator."""
        return {
            **TEST_CREDENTIALS,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_ENDPOINT_URL": self.endpoint,
            # The caller's profile or config files must not leak in.
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }

    def client(self, service: str, region: str = DEFAULT_REGION, internal: bool = False) -> Any:
        """A boto3 client for `service` that talks to this emulator.

        `internal` marks the emulator's own calls (e.g. fetching a notebook's base
        credentials, which SageMaker does on AWS), so they are not counted as API calls.
        Clients are made once and reused (they are thread-safe): making one takes long enough
        that the metadata service, which needs two, would miss botocore's 1 s IMDS timeout.
        """
        key = (service, region, internal)
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = boto_sessions.session(
                    region,
                    aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                ).client(
                    service,
                    endpoint_url=self.endpoint,
                    config=Config(user_agent_extra=INTERNAL_AGENT if internal else ""),
                )
            return self._clients[key]

    def client_as(self, role_arn: str, session: str, service: str = "sts") -> Any:
        """A client whose calls CloudTrail attributes to `<role>/<session>` (via AssumeRole)."""
        credentials = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session)[
            "Credentials"
        ]
        return boto_sessions.session(
            DEFAULT_REGION,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        ).client(service, endpoint_url=self.endpoint)
