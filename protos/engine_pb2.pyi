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
EVENT_VERBOSITY_UNSPECIFIED: EventVerbosity
EVENT_VERBOSITY_NONE: EventVerbosity
EVENT_VERBOSITY_APPLIED: EventVerbosity
EVENT_VERBOSITY_AFTER_RESTART: EventVerbosity
EVENT_VERBOSITY_ALL: EventVerbosity

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
    __slots__ = ("model_file", "model_id", "fingerprint_json", "num_active_training_jobs", "model_path")
    MODEL_FILE_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_JSON_FIELD_NUMBER: _ClassVar[int]
    NUM_ACTIVE_TRAINING_JOBS_FIELD_NUMBER: _ClassVar[int]
    MODEL_PATH_FIELD_NUMBER: _ClassVar[int]
    model_file: str
    model_id: str
    fingerprint_json: bytes
    num_active_training_jobs: int
    model_path: str
    def __init__(self, model_file: _Optional[str] = ..., model_id: _Optional[str] = ..., fingerprint_json: _Optional[bytes] = ..., num_active_training_jobs: _Optional[int] = ..., model_path: _Optional[str] = ...) -> None: ...

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
