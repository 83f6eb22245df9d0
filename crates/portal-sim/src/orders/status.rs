//! An order's life: EPGU's processing code (Appendix 1: NEW → VALIDATION → … → DONE, or an
//! error) and the cabinet's statuses (0, 17, 21, 2, …), moved on by the sim's clock one step
//! (`Limits::order_step`) at a time. Nothing runs in the background: an order catches up with
//! the clock whenever it is read (`settle`).

use super::Service;
use super::check::{FileInfo, Outcome, Verdict};
use super::push::{Finished, Upload};
use axum::body::Bytes;
use std::collections::VecDeque;
use std::time::Duration;
use time::OffsetDateTime;

/// EPGU's processing code of an order (the `code` of its details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processing {
    New,
    Validation,
    FilesVerification,
    FilesVerificationSuccess,
    Done,
    InvalidFilesStructure,
    ReqNotFound,
    ValidationError,
    FilesVerificationFailed,
}

impl Processing {
    pub fn as_str(self) -> &'static str {
        match self {
            Processing::New => "NEW",
            Processing::Validation => "VALIDATION",
            Processing::FilesVerification => "FILES_VERIFICATION",
            Processing::FilesVerificationSuccess => "FILES_VERIFICATION_SUCCESS",
            Processing::Done => "DONE",
            Processing::InvalidFilesStructure => "INVALID_FILES_STRUCTURE",
            Processing::ReqNotFound => "REQ_NOT_FOUND",
            Processing::ValidationError => "VALIDATION_ERROR",
            Processing::FilesVerificationFailed => "FILES_VERIFICATION_FAILED",
        }
    }

    /// What the code means, for `message` when nothing more precise is known.
    pub fn words(self) -> &'static str {
        match self {
            Processing::New => "Заявление создано, ожидается архив",
            Processing::Validation => "Проверка архива заявления",
            Processing::FilesVerification => "Проверка файлов заявления",
            Processing::FilesVerificationSuccess => "Файлы заявления проверены",
            Processing::Done => "Заявление передано для отправки в ведомство",
            Processing::InvalidFilesStructure => "Структура архива не соответствует требованиям",
            Processing::ReqNotFound => "В архиве нет req.xml",
            Processing::ValidationError => "Вложения не прошли проверку",
            Processing::FilesVerificationFailed => "Файлы не прошли проверку",
        }
    }
}

/// A status of the cabinet's model (`statusId` and its title).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cabinet {
    pub id: u32,
    pub title: &'static str,
    /// Whether the applicant may cancel in this status (`cancelAllowed`).
    pub cancel: bool,
}

pub const DRAFT: Cabinet = Cabinet {
    id: 0,
    title: "Черновик заявления",
    cancel: true,
};
pub const REGISTERED: Cabinet = Cabinet {
    id: 17,
    title: "Зарегистрировано на портале",
    cancel: true,
};
pub const SENT: Cabinet = Cabinet {
    id: 21,
    title: "Заявление отправлено в ведомство",
    cancel: true,
};
pub const RECEIVED: Cabinet = Cabinet {
    id: 2,
    title: "Заявление получено ведомством",
    cancel: false,
};
pub const FAILED: Cabinet = Cabinet {
    id: 24,
    title: "Ошибка обработки заявления",
    cancel: false,
};
/// EPGU's 15 («Заявление требует исправления»), under the ePTS portal's wording.
pub const CLARIFY: Cabinet = Cabinet {
    id: 15,
    title: "Требуется уточнение",
    cancel: true,
};
/// The sim's choice of id: EPGU's status models give refusals their own ids per service.
pub const REFUSED: Cabinet = Cabinet {
    id: 10,
    title: "Отказано в предоставлении услуги",
    cancel: false,
};
/// The sim's choice of id, likewise.
pub const CANCELLED: Cabinet = Cabinet {
    id: 9,
    title: "Заявление отменено",
    cancel: false,
};

/// Who sends the statuses after registration (`sender`).
pub const SENDER: &str = "Оператор системы электронных паспортов";

/// One entry of the cabinet's status history.
#[derive(Debug, Clone)]
pub struct StatusEntry {
    pub id: u64,
    pub status: Cabinet,
    pub date: OffsetDateTime,
    pub final_status: bool,
    pub comment: Option<String>,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Created, no archive yet: takes a push.
    Draft,
    /// An archive arrived and is being checked or moving through the statuses.
    Checking,
    /// «Требуется уточнение»: takes a new push, which restarts checking.
    Clarify,
    /// Final: failed, refused, received, cancelled.
    Closed,
}

/// What a step of the plan does.
#[derive(Debug, Clone)]
enum Step {
    Code(Processing),
    Fail(Processing, String),
    /// DONE; the first time also «Зарегистрировано на портале» with this number.
    Register(String),
    Status(Cabinet, bool, Option<String>),
}

/// A change of the order, as tests read its history: the code and status after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub at: OffsetDateTime,
    pub code: Processing,
    pub status: Cabinet,
    pub comment: Option<String>,
}

/// The last whole archive an order received.
#[derive(Debug, Clone)]
pub struct Archive {
    pub bytes: Bytes,
    pub sha256: String,
}

#[derive(Debug)]
pub struct Order {
    pub id: u64,
    pub user: u32,
    pub service: &'static Service,
    pub region: String,
    pub created: OffsetDateTime,
    pub updated: OffsetDateTime,
    /// When the last archive came whole (EPGU's `requestDate`).
    pub requested: Option<OffsetDateTime>,
    pub code: Processing,
    /// Why it failed, refused or needs clarifying; else the code's own words.
    pub message: Option<String>,
    pub statuses: Vec<StatusEntry>,
    pub changes: Vec<Change>,
    pub number: Option<String>,
    pub stage: Stage,
    pub archive: Option<Archive>,
    /// Whole archives received (a clarified order gets more than one).
    pub archives: u32,
    pub files: Vec<FileInfo>,
    /// A chunked upload in progress, the chunks of the last whole one, and whether the last
    /// upload was dropped when its window ran out.
    pub upload: Option<Upload>,
    pub finished: Option<Finished>,
    pub expired: bool,
    plan: VecDeque<(OffsetDateTime, Step)>,
}

impl Order {
    pub fn new(
        id: u64,
        user: u32,
        service: &'static Service,
        region: String,
        at: OffsetDateTime,
    ) -> Self {
        let at = super::dates::millis(at);
        let mut order = Order {
            id,
            user,
            service,
            region,
            created: at,
            updated: at,
            requested: None,
            code: Processing::New,
            message: None,
            statuses: Vec::new(),
            changes: Vec::new(),
            number: None,
            stage: Stage::Draft,
            archive: None,
            archives: 0,
            files: Vec::new(),
            upload: None,
            finished: None,
            expired: false,
            plan: VecDeque::new(),
        };
        order.push_status(DRAFT, false, None, at);
        order
    }

    /// The current cabinet status.
    pub fn current(&self) -> &StatusEntry {
        // `new` always pushes the draft status; an order never loses statuses.
        self.statuses.last().unwrap_or_else(|| unreachable!())
    }

    pub fn closed(&self) -> bool {
        self.stage == Stage::Closed
    }

    pub fn accepts_push(&self) -> bool {
        matches!(self.stage, Stage::Draft | Stage::Clarify)
    }

    fn push_status(
        &mut self,
        status: Cabinet,
        final_status: bool,
        comment: Option<String>,
        at: OffsetDateTime,
    ) {
        let id = self.id * 1000 + self.statuses.len() as u64;
        self.statuses.push(StatusEntry {
            id,
            status,
            date: at,
            final_status,
            comment,
        });
        self.log(at);
    }

    /// Notes a change at `at` for the history and `getUpdatedAfter`.
    fn log(&mut self, at: OffsetDateTime) {
        self.updated = self.updated.max(at);
        let current = self.statuses.last().map(|s| (s.status, s.comment.clone()));
        let (status, comment) = current.unwrap_or((DRAFT, None));
        self.changes.push(Change {
            at,
            code: self.code,
            status,
            comment,
        });
    }

    /// An archive came whole at `at`: checking starts (the verdict follows with `judge`).
    pub fn receive(&mut self, archive: Archive, at: OffsetDateTime) {
        let at = super::dates::millis(at);
        self.archive = Some(archive);
        self.archives += 1;
        self.requested = Some(at);
        self.stage = Stage::Checking;
        self.code = Processing::Validation;
        self.message = None;
        self.plan.clear();
        self.log(at);
    }

    /// The check's verdict on the archive received last: the steps that follow, one each
    /// `step` after its arrival. `number` is used if the order gets registered now.
    pub fn judge(&mut self, verdict: Verdict, step: Duration, number: String) {
        if self.stage != Stage::Checking || !self.plan.is_empty() {
            return; // cancelled meanwhile
        }
        let start = self.requested.unwrap_or(self.updated);
        let mut steps = Vec::new();
        match verdict {
            Verdict::Invalid { code, reason } => {
                if code == Processing::FilesVerificationFailed {
                    steps.push(Step::Code(Processing::FilesVerification));
                }
                steps.push(Step::Fail(code, reason));
            }
            Verdict::Valid { outcome, files } => {
                self.files = files;
                steps.push(Step::Code(Processing::FilesVerification));
                steps.push(Step::Code(Processing::FilesVerificationSuccess));
                steps.push(Step::Register(number));
                steps.push(Step::Status(SENT, false, None));
                steps.push(Step::Status(
                    RECEIVED,
                    outcome == Outcome::Accept,
                    Some("Сообщение доставлено".into()),
                ));
                match outcome {
                    Outcome::Accept => {}
                    Outcome::Clarify => steps.push(Step::Status(
                        CLARIFY,
                        false,
                        Some("Уточните сведения: приложите читаемую копию документа-основания и отправьте заявление снова".into()),
                    )),
                    Outcome::Refuse => steps.push(Step::Status(
                        REFUSED,
                        true,
                        Some("Отказ: представленные документы не подтверждают право на регистрационное действие".into()),
                    )),
                }
            }
        }
        let step = time::Duration::try_from(step).unwrap_or(time::Duration::SECOND);
        for (k, what) in steps.into_iter().enumerate() {
            let at = start + step * (k as i32 + 1);
            self.plan.push_back((at, what));
        }
    }

    /// Applies every step that is due at `now`.
    pub fn settle(&mut self, now: OffsetDateTime) {
        while let Some((at, _)) = self.plan.front() {
            if *at > now {
                break;
            }
            let Some((at, step)) = self.plan.pop_front() else {
                break;
            };
            self.apply(step, at);
        }
    }

    fn apply(&mut self, step: Step, at: OffsetDateTime) {
        match step {
            Step::Code(code) => {
                self.code = code;
                self.log(at);
            }
            Step::Fail(code, reason) => {
                self.code = code;
                self.message = Some(reason.clone());
                self.stage = Stage::Closed;
                self.push_status(FAILED, true, Some(reason), at);
            }
            Step::Register(number) => {
                self.code = Processing::Done;
                if self.number.is_none() {
                    self.number = Some(number);
                    self.push_status(REGISTERED, false, None, at);
                } else {
                    self.log(at);
                }
            }
            Step::Status(status, final_status, comment) => {
                if status == CLARIFY || status == REFUSED {
                    self.message = comment.clone();
                }
                if final_status {
                    self.stage = Stage::Closed;
                } else if status == CLARIFY {
                    self.stage = Stage::Clarify;
                }
                self.push_status(status, final_status, comment, at);
            }
        }
    }

    /// Cancels the order when its current status allows it.
    pub fn cancel(&mut self, now: OffsetDateTime) -> bool {
        if self.closed() || !self.current().status.cancel {
            return false;
        }
        self.plan.clear();
        self.upload = None;
        self.stage = Stage::Closed;
        self.push_status(
            CANCELLED,
            true,
            Some("Заявление отменено заявителем".into()),
            super::dates::millis(now),
        );
        true
    }
}
