//! A minimal SMTP server for the tests: answers the commands lettre sends, keeps each
//! message it accepts, and can refuse every recipient for good (550).

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct FakeSmtp {
    /// The messages accepted (the DATA, dot-unstuffed), oldest first.
    messages: Arc<Mutex<Vec<String>>>,
    /// Every command received, oldest first.
    commands: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSmtp {
    /// Serves on `listener`; with `refuse_recipients`, every RCPT gets a 550.
    pub fn start(listener: TcpListener, refuse_recipients: bool) -> FakeSmtp {
        let messages = Arc::new(Mutex::new(Vec::new()));
        let commands = Arc::new(Mutex::new(Vec::new()));
        let (kept, heard) = (messages.clone(), commands.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (kept, heard) = (kept.clone(), heard.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, refuse_recipients, kept, heard).await;
                });
            }
        });
        FakeSmtp {
            messages,
            commands,
            task,
        }
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    pub fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }
}

async fn serve(
    stream: TcpStream,
    refuse_recipients: bool,
    messages: Arc<Mutex<Vec<String>>>,
    commands: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 mail.test ESMTP ready\r\n").await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_string();
        commands.lock().unwrap().push(command.clone());
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => b"250-mail.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n",
            "HELO" => b"250 mail.test\r\n",
            "RCPT" if refuse_recipients => b"550 5.1.1 No such mailbox here\r\n",
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut message = Vec::new();
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the sender.
                    let unstuffed = match line.first() {
                        Some(b'.') => &line[1..],
                        _ => &line[..],
                    };
                    message.extend_from_slice(unstuffed);
                }
                messages
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&message).into_owned());
                b"250 2.0.0 Ok: queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 2.0.0 Ok\r\n",
        };
        write.write_all(answer).await?;
    }
}
