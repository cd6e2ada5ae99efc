//! Colours from the 16-colour palette only (they follow the user's terminal
//! theme), and none at all under NO_COLOR / --no-color.

use ratatui::style::{Color, Modifier, Style};

use crate::cluster::types::TrackerStatus;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red)
    }
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
    pub fn focused_border(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn border(&self) -> Style {
        self.dim()
    }
    pub fn status(&self, s: TrackerStatus) -> Style {
        match s {
            TrackerStatus::Pinned => self.ok(),
            TrackerStatus::Pinning
            | TrackerStatus::PinQueued
            | TrackerStatus::UnpinQueued
            | TrackerStatus::Unpinning => self.warn(),
            TrackerStatus::Remote | TrackerStatus::Unpinned => self.dim(),
            s if s.is_error() => self.bad(),
            _ => Style::default(),
        }
    }
}
