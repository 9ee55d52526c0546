from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventVerbosity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_VERBOSITY_UNSPECIFIED: _ClassVar[EventVerbosity]
    EVENT_VERBOSITY_NONE: _ClassVar[EventVerbosity]
    EVENT_VERBOSITY_APPLIED: _ClassVar[EventVerbosity]
    EVENT_VERBOSITY_AFTER_RESTART: _ClassVar[EventVerbosity]
    EVENT_VERBOSITY_ALL: _ClassVar[EventVerbosity]

class DomainFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOMAIN_FORMAT_UNSPECIFIED: _ClassVar[DomainFormat]
    DOMAIN_FORMAT_JSON: _ClassVar[DomainFormat]
    DOMAIN_FORMAT_YAML: _ClassVar[DomainFormat]

class PayloadFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYLOAD_FORMAT_UNSPECIFIED: _ClassVar[PayloadFormat]
    PAYLOAD_FORMAT_YAML: _ClassVar[PayloadFormat]
    PAYLOAD_FORMAT_JSON: _ClassVar[PayloadFormat]
EVENT_VERBOSITY_UNSPECIFIED: EventVerbosity
EVENT_VERBOSITY_NONE: EventVerbosity
EVENT_VERBOSITY_APPLIED: EventVerbosity
EVENT_VERBOSITY_AFTER_RESTART: EventVerbosity
EVENT_VERBOSITY_ALL: EventVerbosity
DOMAIN_FORMAT_UNSPECIFIED: DomainFormat
DOMAIN_FORMAT_JSON: DomainFormat
DOMAIN_FORMAT_YAML: DomainFormat
PAYLOAD_FORMAT_UNSPECIFIED: PayloadFormat
PAYLOAD_FORMAT_YAML: PayloadFormat
PAYLOAD_FORMAT_JSON: PayloadFormat

class ErrorDetail(_message.Message):
    __slots__ = ("reason", "message", "details_json", "help")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    HELP_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    details_json: bytes
    help: str
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ..., details_json: _Optional[bytes] = ..., help: _Optional[str] = ...) -> None: ...

class GetVersionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetVersionResponse(_message.Message):
    __slots__ = ("version", "minimum_compatible_version")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_COMPATIBLE_VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    minimum_compatible_version: str
    def __init__(self, version: _Optional[str] = ..., minimum_compatible_version: _Optional[str] = ...) -> None: ...

class GetStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ("model_file", "model_id", "fingerprint_json", "num_active_training_jobs", "model_path", "jobs_json")
    MODEL_FILE_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_JSON_FIELD_NUMBER: _ClassVar[int]
    NUM_ACTIVE_TRAINING_JOBS_FIELD_NUMBER: _ClassVar[int]
    MODEL_PATH_FIELD_NUMBER: _ClassVar[int]
    JOBS_JSON_FIELD_NUMBER: _ClassVar[int]
    model_file: str
    model_id: str
    fingerprint_json: bytes
    num_active_training_jobs: int
    model_path: str
    jobs_json: bytes
    def __init__(self, model_file: _Optional[str] = ..., model_id: _Optional[str] = ..., fingerprint_json: _Optional[bytes] = ..., num_active_training_jobs: _Optional[int] = ..., model_path: _Optional[str] = ..., jobs_json: _Optional[bytes] = ...) -> None: ...

class ParseRequest(_message.Message):
    __slots__ = ("text", "message_id", "emulation_mode")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EMULATION_MODE_FIELD_NUMBER: _ClassVar[int]
    text: str
    message_id: str
    emulation_mode: str
    def __init__(self, text: _Optional[str] = ..., message_id: _Optional[str] = ..., emulation_mode: _Optional[str] = ...) -> None: ...

class ParseResponse(_message.Message):
    __slots__ = ("parse_json",)
    PARSE_JSON_FIELD_NUMBER: _ClassVar[int]
    parse_json: bytes
    def __init__(self, parse_json: _Optional[bytes] = ...) -> None: ...

class HandleMessageRequest(_message.Message):
    __slots__ = ("conversation_id", "text", "input_channel", "metadata_json", "message_id", "output_channel")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    text: str
    input_channel: str
    metadata_json: bytes
    message_id: str
    output_channel: str
    def __init__(self, conversation_id: _Optional[str] = ..., text: _Optional[str] = ..., input_channel: _Optional[str] = ..., metadata_json: _Optional[bytes] = ..., message_id: _Optional[str] = ..., output_channel: _Optional[str] = ...) -> None: ...

class HandleMessageResponse(_message.Message):
    __slots__ = ("messages_json",)
    MESSAGES_JSON_FIELD_NUMBER: _ClassVar[int]
    messages_json: bytes
    def __init__(self, messages_json: _Optional[bytes] = ...) -> None: ...

class GetTrackerRequest(_message.Message):
    __slots__ = ("conversation_id", "include_events", "until")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    include_events: EventVerbosity
    until: float
    def __init__(self, conversation_id: _Optional[str] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ..., until: _Optional[float] = ...) -> None: ...

class GetTrackerResponse(_message.Message):
    __slots__ = ("tracker_json",)
    TRACKER_JSON_FIELD_NUMBER: _ClassVar[int]
    tracker_json: bytes
    def __init__(self, tracker_json: _Optional[bytes] = ...) -> None: ...

class AppendEventsRequest(_message.Message):
    __slots__ = ("conversation_id", "events_json", "include_events", "execute_side_effects", "output_channel")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    EXECUTE_SIDE_EFFECTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    events_json: bytes
    include_events: EventVerbosity
    execute_side_effects: bool
    output_channel: str
    def __init__(self, conversation_id: _Optional[str] = ..., events_json: _Optional[bytes] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ..., execute_side_effects: _Optional[bool] = ..., output_channel: _Optional[str] = ...) -> None: ...

class AppendEventsResponse(_message.Message):
    __slots__ = ("tracker_json", "messages_json", "output_channel", "latest_input_channel")
    TRACKER_JSON_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_JSON_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LATEST_INPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    tracker_json: bytes
    messages_json: bytes
    output_channel: str
    latest_input_channel: str
    def __init__(self, tracker_json: _Optional[bytes] = ..., messages_json: _Optional[bytes] = ..., output_channel: _Optional[str] = ..., latest_input_channel: _Optional[str] = ...) -> None: ...

class ReplaceEventsRequest(_message.Message):
    __slots__ = ("conversation_id", "events_json", "include_events")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    events_json: bytes
    include_events: EventVerbosity
    def __init__(self, conversation_id: _Optional[str] = ..., events_json: _Optional[bytes] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ...) -> None: ...

class ReplaceEventsResponse(_message.Message):
    __slots__ = ("tracker_json",)
    TRACKER_JSON_FIELD_NUMBER: _ClassVar[int]
    tracker_json: bytes
    def __init__(self, tracker_json: _Optional[bytes] = ...) -> None: ...

class GetStoryRequest(_message.Message):
    __slots__ = ("conversation_id", "all_sessions", "until")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    ALL_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    all_sessions: bool
    until: float
    def __init__(self, conversation_id: _Optional[str] = ..., all_sessions: _Optional[bool] = ..., until: _Optional[float] = ...) -> None: ...

class GetStoryResponse(_message.Message):
    __slots__ = ("story_yaml",)
    STORY_YAML_FIELD_NUMBER: _ClassVar[int]
    story_yaml: str
    def __init__(self, story_yaml: _Optional[str] = ...) -> None: ...

class ExecuteActionRequest(_message.Message):
    __slots__ = ("conversation_id", "action_name", "policy", "confidence", "include_events", "output_channel")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_NAME_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    action_name: str
    policy: str
    confidence: float
    include_events: EventVerbosity
    output_channel: str
    def __init__(self, conversation_id: _Optional[str] = ..., action_name: _Optional[str] = ..., policy: _Optional[str] = ..., confidence: _Optional[float] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ..., output_channel: _Optional[str] = ...) -> None: ...

class TriggerIntentRequest(_message.Message):
    __slots__ = ("conversation_id", "intent", "entities_json", "include_events", "output_channel")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_JSON_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    intent: str
    entities_json: bytes
    include_events: EventVerbosity
    output_channel: str
    def __init__(self, conversation_id: _Optional[str] = ..., intent: _Optional[str] = ..., entities_json: _Optional[bytes] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ..., output_channel: _Optional[str] = ...) -> None: ...

class ConversationTurnResponse(_message.Message):
    __slots__ = ("tracker_json", "messages_json", "output_channel", "latest_input_channel")
    TRACKER_JSON_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_JSON_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LATEST_INPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    tracker_json: bytes
    messages_json: bytes
    output_channel: str
    latest_input_channel: str
    def __init__(self, tracker_json: _Optional[bytes] = ..., messages_json: _Optional[bytes] = ..., output_channel: _Optional[str] = ..., latest_input_channel: _Optional[str] = ...) -> None: ...

class PredictNextActionRequest(_message.Message):
    __slots__ = ("conversation_id", "include_events")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    include_events: EventVerbosity
    def __init__(self, conversation_id: _Optional[str] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ...) -> None: ...

class PredictionResponse(_message.Message):
    __slots__ = ("prediction_json",)
    PREDICTION_JSON_FIELD_NUMBER: _ClassVar[int]
    prediction_json: bytes
    def __init__(self, prediction_json: _Optional[bytes] = ...) -> None: ...

class AddMessageRequest(_message.Message):
    __slots__ = ("conversation_id", "text", "parse_data_json", "include_events", "input_channel", "message_id", "metadata_json")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PARSE_DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    INPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    text: str
    parse_data_json: bytes
    include_events: EventVerbosity
    input_channel: str
    message_id: str
    metadata_json: bytes
    def __init__(self, conversation_id: _Optional[str] = ..., text: _Optional[str] = ..., parse_data_json: _Optional[bytes] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ..., input_channel: _Optional[str] = ..., message_id: _Optional[str] = ..., metadata_json: _Optional[bytes] = ...) -> None: ...

class AddMessageResponse(_message.Message):
    __slots__ = ("tracker_json",)
    TRACKER_JSON_FIELD_NUMBER: _ClassVar[int]
    tracker_json: bytes
    def __init__(self, tracker_json: _Optional[bytes] = ...) -> None: ...

class PredictFromEventsRequest(_message.Message):
    __slots__ = ("events_json", "include_events")
    EVENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    events_json: bytes
    include_events: EventVerbosity
    def __init__(self, events_json: _Optional[bytes] = ..., include_events: _Optional[_Union[EventVerbosity, str]] = ...) -> None: ...

class LoadModelRequest(_message.Message):
    __slots__ = ("model_file", "model_server_json", "remote_storage")
    MODEL_FILE_FIELD_NUMBER: _ClassVar[int]
    MODEL_SERVER_JSON_FIELD_NUMBER: _ClassVar[int]
    REMOTE_STORAGE_FIELD_NUMBER: _ClassVar[int]
    model_file: str
    model_server_json: bytes
    remote_storage: str
    def __init__(self, model_file: _Optional[str] = ..., model_server_json: _Optional[bytes] = ..., remote_storage: _Optional[str] = ...) -> None: ...

class LoadModelResponse(_message.Message):
    __slots__ = ("model_file", "model_id")
    MODEL_FILE_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_file: str
    model_id: str
    def __init__(self, model_file: _Optional[str] = ..., model_id: _Optional[str] = ...) -> None: ...

class UnloadModelRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnloadModelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDomainRequest(_message.Message):
    __slots__ = ("format",)
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    format: DomainFormat
    def __init__(self, format: _Optional[_Union[DomainFormat, str]] = ...) -> None: ...

class GetDomainResponse(_message.Message):
    __slots__ = ("domain",)
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    domain: bytes
    def __init__(self, domain: _Optional[bytes] = ...) -> None: ...

class TrainRequest(_message.Message):
    __slots__ = ("payload", "format", "save_to_default_model_directory", "force_training", "augmentation", "num_threads")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SAVE_TO_DEFAULT_MODEL_DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    FORCE_TRAINING_FIELD_NUMBER: _ClassVar[int]
    AUGMENTATION_FIELD_NUMBER: _ClassVar[int]
    NUM_THREADS_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    format: PayloadFormat
    save_to_default_model_directory: bool
    force_training: bool
    augmentation: int
    num_threads: int
    def __init__(self, payload: _Optional[bytes] = ..., format: _Optional[_Union[PayloadFormat, str]] = ..., save_to_default_model_directory: _Optional[bool] = ..., force_training: _Optional[bool] = ..., augmentation: _Optional[int] = ..., num_threads: _Optional[int] = ...) -> None: ...

class TrainResponseChunk(_message.Message):
    __slots__ = ("filename", "size", "data")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    filename: str
    size: int
    data: bytes
    def __init__(self, filename: _Optional[str] = ..., size: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class EvaluateStoriesRequest(_message.Message):
    __slots__ = ("stories_yaml", "e2e")
    STORIES_YAML_FIELD_NUMBER: _ClassVar[int]
    E2E_FIELD_NUMBER: _ClassVar[int]
    stories_yaml: bytes
    e2e: bool
    def __init__(self, stories_yaml: _Optional[bytes] = ..., e2e: _Optional[bool] = ...) -> None: ...

class EvaluateIntentsRequest(_message.Message):
    __slots__ = ("payload", "format", "model", "cross_validation_folds")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CROSS_VALIDATION_FOLDS_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    format: PayloadFormat
    model: str
    cross_validation_folds: int
    def __init__(self, payload: _Optional[bytes] = ..., format: _Optional[_Union[PayloadFormat, str]] = ..., model: _Optional[str] = ..., cross_validation_folds: _Optional[int] = ...) -> None: ...

class EvaluationResponse(_message.Message):
    __slots__ = ("report_json",)
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    report_json: bytes
    def __init__(self, report_json: _Optional[bytes] = ...) -> None: ...

class SubscribeMessagesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PushedMessages(_message.Message):
    __slots__ = ("conversation_id", "output_channel", "messages_json")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_JSON_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    output_channel: str
    messages_json: bytes
    def __init__(self, conversation_id: _Optional[str] = ..., output_channel: _Optional[str] = ..., messages_json: _Optional[bytes] = ...) -> None: ...
